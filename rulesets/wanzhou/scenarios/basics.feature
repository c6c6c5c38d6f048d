# language: zh-CN
功能: 按万州区规则集作出容错认定建议
  组织部门把调查查明的事实交给规则集，得到认定建议；
  每一条结论都能追溯到规则和所依据的条款。本功能的事实用 id 书写，与案件文件相同。

  背景:
    假如 一个新案件
    并且 事实 "motive" 为 "public"
    并且 事实 "collective_decision" 为 "true"

  场景: 改革试点中缺乏经验出现失误，没有损失，予以容错免责
    假如 事实 "work_area" 为 "reform_pilot"
    并且 事实 "loss_yuan" 为 "0"
    当 按 "wanzhou" 规则集认定
    那么 结论为 "予以容错免责（不予或免予问责）"
    并且 容错情形 "pilot_reform_deviation" 成立
    并且 推定 "in_reform_or_pilot" 为 "true"
    并且 认定依据引用 "《万州区容错纠错实施办法》"

  场景: 存在不予容错情形的，即使符合容错情形也不予容错
    假如 事实 "work_area" 为 "legacy_problem"
    并且 事实 "collusion" 为 "true"
    并且 事实 "loss_yuan" 为 "0"
    当 按 "wanzhou" 规则集认定
    那么 结论为 "不予容错，依规依纪问责"
    并且 容错情形 "legacy_problem_resolution" 成立
    并且 不予容错情形 "malicious_collusion" 成立

  场景: 案件材料写明关键事实尚未查明的，需补充调查并说明缺哪项事实
    假如 事实 "work_area" 为 "legacy_problem"
    并且 事实 "loss_yuan" 为 "0"
    并且 事实 "collusion" 为 "unknown"
    当 按 "wanzhou" 规则集认定
    那么 结论为 "事实不清，需补充调查"
    并且 需补充查明事实 "collusion"
    并且 首先应查明 "collusion"

  场景大纲: 本人原因造成的损失，挽回比例决定免责还是从轻
    假如 事实 "work_area" 为 "legacy_problem"
    并且 事实 "loss_yuan" 为 "500000"
    并且 事实 "loss_cause" 为 "self"
    并且 事实 "remedial_action" 为 "true"
    并且 事实 "loss_recovered_ratio" 为 "<比例>"
    当 按 "wanzhou" 规则集认定
    那么 结论为 "<结论>"

    例子:
      | 比例 | 结论                           |
      | 1    | 予以容错免责（不予或免予问责） |
      | 0.6  | 从轻、减轻问责                 |
      | 0    | 从轻、减轻问责                 |

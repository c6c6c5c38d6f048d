# language: zh-CN
功能: 按万州区规则集作出容错认定建议
  组织部门把案件事实交给规则集，得到认定建议；
  每一条结论都能追溯到规则和所依据的条款。

  背景:
    假如 一个各项不予容错情形均已排除的案件

  场景: 改革试点中缺乏经验出现失误，没有损失，予以容错免责
    假如 事实 "work_area" 为 "reform_pilot"
    并且 事实 "in_reform_or_pilot" 为 "true"
    并且 事实 "loss_yuan" 为 "0"
    当 按 "wanzhou" 规则集认定
    那么 结论为 "予以容错免责（不予或免予问责）"
    并且 容错情形 "pilot_reform_deviation" 成立
    并且 认定依据引用 "《万州区容错纠错实施办法》"

  场景: 存在不予容错情形的，即使符合容错情形也不予容错
    假如 事实 "legacy_problem" 为 "true"
    并且 事实 "collusion" 为 "true"
    并且 事实 "loss_yuan" 为 "0"
    当 按 "wanzhou" 规则集认定
    那么 结论为 "不予容错，依规依纪问责"
    并且 不予容错情形 "malicious_collusion" 成立

  场景: 关键事实未查明的，需补充调查并说明缺哪项事实
    假如 事实 "legacy_problem" 为 "true"
    并且 事实 "loss_yuan" 为 "0"
    并且 事实 "collusion" 未查明
    当 按 "wanzhou" 规则集认定
    那么 结论为 "事实不清，需补充调查"
    并且 需补充查明事实 "collusion"

  场景大纲: 自身原因造成的损失，挽回比例决定免责还是从轻
    假如 事实 "legacy_problem" 为 "true"
    并且 事实 "loss_yuan" 为 "500000"
    并且 事实 "force_majeure" 为 "false"
    并且 事实 "higher_policy_changed" 为 "false"
    并且 事实 "market_change" 为 "false"
    并且 事实 "loss_recovered_ratio" 为 "<比例>"
    当 按 "wanzhou" 规则集认定
    那么 结论为 "<结论>"

    例子:
      | 比例 | 结论                           |
      | 1    | 予以容错免责（不予或免予问责） |
      | 0.6  | 从轻、减轻问责                 |
      | 0    | 从轻、减轻问责                 |

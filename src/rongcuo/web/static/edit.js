// The ruleset editor (templates/edit/edit.html): CodeMirror 5 over the form's <textarea>, its
// lint addon fed by POST /rulesets/{id}/edit/check (JSON findings; 600 ms after the last key),
// and the findings list under the editor rebuilt from the same answer. Without this script the
// textarea and the form's buttons work on their own.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  var area = document.getElementById("text");
  if (!form || !area || typeof CodeMirror === "undefined") return;
  var checkUrl = form.getAttribute("data-check");
  var list = document.getElementById("findings");
  var initial = [];
  try {
    initial = JSON.parse(document.getElementById("initial-findings").textContent || "[]");
  } catch (e) { initial = []; }
  var first = true;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function showList(findings) {
    list.textContent = "";
    if (!findings.length) {
      list.appendChild(el("p", "ok", "检查与逻辑检查（lint）都没有发现问题。"));
      return;
    }
    var errors = findings.filter(function (f) { return f.severity === "error"; }).length;
    var head = errors + " 个错误，" + (findings.length - errors) + " 个提醒";
    if (errors) head += "（有错误，不能保存、运行场景或比较）";
    list.appendChild(el("p", errors ? "error" : "warn", head));
    var ul = el("ul", "diagnostics findings");
    findings.forEach(function (f) {
      var li = el("li", f.severity);
      li.setAttribute("data-line", String(f.file ? 0 : f.line));
      var where = f.file ? f.file + (f.line ? " 第 " + f.line + " 行" : "") : (f.line ? "第 " + f.line + " 行" +
        (f.column ? "，第 " + f.column + " 列" : "") : "本文件");
      li.appendChild(el("span", "where", where));
      li.appendChild(el("code", "", (f.severity === "error" ? "错误 " : "提醒 ") + f.code));
      if (f.path) li.appendChild(el("span", "path", f.path));
      li.appendChild(el("div", "", f.message_zh));
      li.appendChild(el("div", "en", f.message_en));
      if (f.hint) li.appendChild(el("div", "hint", "提示：" + f.hint));
      ul.appendChild(li);
    });
    list.appendChild(ul);
  }

  function annotations(findings) {
    return findings.filter(function (f) { return !f.file; }).map(function (f) {
      var line = Math.max((f.line || 1) - 1, 0);
      var ch = Math.max((f.column || 1) - 1, 0);
      var text = f.code + " " + f.message_zh + (f.hint ? "\n提示：" + f.hint : "");
      return {
        from: CodeMirror.Pos(line, ch),
        to: CodeMirror.Pos(line, ch + 1),
        message: text,
        severity: f.severity === "error" ? "error" : "warning"
      };
    });
  }

  function check(text, done) {
    if (first) {  // the page came with the findings of the text as opened
      first = false;
      done(annotations(initial));
      return;
    }
    var body = new URLSearchParams();
    body.set("text", text);
    fetch(checkUrl, {
      method: "POST",
      headers: {"Accept": "application/json"},
      body: body,
      credentials: "same-origin"
    }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (findings) {
      showList(findings);
      done(annotations(findings));
    }).catch(function () {
      list.textContent = "";
      list.appendChild(el("p", "warn", "检查暂不可用（网络或服务出错）；可点「检查」按钮重试。"));
      done([]);
    });
  }

  var cm = CodeMirror.fromTextArea(area, {
    mode: "yaml",
    lineNumbers: true,
    indentUnit: 2,
    tabSize: 2,
    lineWrapping: false,
    extraKeys: {Tab: function (c) { c.replaceSelection("  "); }},
    gutters: ["CodeMirror-lint-markers", "CodeMirror-linenumbers"],
    lint: {getAnnotations: check, async: true, delay: 600}
  });
  cm.on("change", function () { cm.save(); });
  window.rongcuoEditor = cm;

  // A finding in the list takes the editor to its line.
  list.addEventListener("click", function (ev) {
    var li = ev.target.closest ? ev.target.closest("li[data-line]") : null;
    if (!li) return;
    var line = parseInt(li.getAttribute("data-line"), 10);
    if (line > 0) {
      cm.setCursor({line: line - 1, ch: 0});
      cm.scrollIntoView({line: line - 1, ch: 0}, 120);
      cm.focus();
    }
  });
  // htmx sends the form: make sure it carries what the editor holds.
  form.addEventListener("htmx:configRequest", function (ev) {
    cm.save();
    if (ev.detail && ev.detail.parameters) {
      if (ev.detail.parameters instanceof FormData) ev.detail.parameters.set("text", cm.getValue());
      else ev.detail.parameters.text = cm.getValue();
    }
  });
})();

// petition-nlp workspace: small plain JavaScript (no framework, no network beyond this server).
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function officer() {
    var el = document.getElementById("officer");
    return el ? el.value.trim() : "";
  }

  function flash(message, isError) {
    var el = document.getElementById("flash");
    if (!el) { return; }
    el.textContent = message;
    el.className = "flash" + (isError ? " error" : "");
    el.hidden = false;
    clearTimeout(flash.timer);
    flash.timer = setTimeout(function () { el.hidden = true; }, isError ? 8000 : 2500);
  }

  function api(method, url, body) {
    var options = { method: method, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      body.officer = officer();
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var text = data && data.error ? data.error : ("HTTP " + response.status);
          if (response.status === 409) { text = "Đã có người khác sửa dòng này — hãy tải lại trang. (" + text + ")"; }
          throw new Error(text);
        }
        return data;
      });
    });
  }

  // officer name remembered in a cookie (one year)
  var officerInput = document.getElementById("officer");
  if (officerInput) {
    officerInput.addEventListener("change", function () {
      document.cookie = "pnlp_officer=" + encodeURIComponent(officer()) + "; path=/; max-age=31536000; samesite=strict";
      flash("Đã ghi nhớ tên cán bộ.");
    });
  }

  // ---------------------------------------------------------------- survey page
  function rowOf(el) { return el.closest("tr[data-id]"); }

  function applyRow(tr, p) {
    tr.dataset.version = p.version;
    tr.classList.toggle("review", p.needs_review);
    tr.classList.toggle("reviewed", p.reviewed);
    tr.classList.toggle("status-not_a_petition", p.status === "not_a_petition");
    var select = tr.querySelector("select.topic");
    if (select) { select.value = p.status === "not_a_petition" ? "not_a_petition" : p.category; }
    var confirm = tr.querySelector("button.confirm");
    if (confirm) { confirm.textContent = p.reviewed ? "✓ đã kiểm tra" : "Xác nhận"; }
    var flag = tr.querySelector(".flag");
    if (flag && !p.needs_review) { flag.remove(); }
  }

  function changeFor(value) {
    return value === "not_a_petition" ? { status: "not_a_petition" } : { category: value };
  }

  document.querySelectorAll("#petitions select.topic").forEach(function (select) {
    select.dataset.saved = select.value;  // what the store holds: shown again when a change is refused
    select.addEventListener("change", function () {
      var tr = rowOf(select);
      var body = changeFor(select.value);
      body.version = Number(tr.dataset.version);
      select.disabled = true;
      api("PATCH", "/api/petitions/" + tr.dataset.id, body).then(function (p) {
        applyRow(tr, p);
        select.dataset.saved = select.value;
        flash("Đã lưu dòng " + (p.source_row || p.row) + ".");
      }).catch(function (err) {
        select.value = select.dataset.saved;  // never leave an unsaved topic on screen
        flash(err.message, true);
      }).then(function () { select.disabled = false; });
    });
  });

  document.querySelectorAll("#petitions button.confirm").forEach(function (button) {
    button.addEventListener("click", function () {
      var tr = rowOf(button);
      api("PATCH", "/api/petitions/" + tr.dataset.id, { reviewed: true, version: Number(tr.dataset.version) })
        .then(function (p) { applyRow(tr, p); flash("Đã xác nhận dòng " + (p.source_row || p.row) + "."); })
        .catch(function (err) { flash(err.message, true); });
    });
  });

  // "Không phải vấn đề này": the petition's "already answered" link is wrong (hidden at once, shown again if refused)
  function dismissedNote(tr, groupId) {
    var note = document.createElement("div");
    note.className = "dismissed muted small";
    note.dataset.group = groupId;
    note.textContent = "Đã bỏ liên kết “đã được trả lời”. ";
    var undo = document.createElement("button");
    undo.type = "button";
    undo.className = "restore-answered small";
    undo.textContent = "Hoàn tác";
    note.appendChild(undo);
    bindRestore(undo);
    return note;
  }
  function bindDismiss(button) {
    button.addEventListener("click", function () {
      var tr = rowOf(button);
      var mark = button.closest(".answered");
      button.disabled = true;
      mark.hidden = true;
      api("DELETE", "/api/petitions/" + tr.dataset.id + "/answered").then(function (p) {
        mark.replaceWith(dismissedNote(tr, p.dismissed.group_id));
        flash("Đã bỏ liên kết “đã được trả lời” của dòng " + (p.source_row || p.row) + ".");
      }).catch(function (err) {
        mark.hidden = false;  // the link is still there: show it again
        button.disabled = false;
        flash(err.message, true);
      });
    });
  }
  function bindRestore(button) {
    button.addEventListener("click", function () {
      var tr = rowOf(button);
      var note = button.closest(".dismissed");
      button.disabled = true;
      api("POST", "/api/petitions/" + tr.dataset.id + "/answered/restore", { group_id: Number(note.dataset.group) }).then(function (p) {
        if (p.answered_in) { reload("Đã khôi phục liên kết “đã được trả lời”."); return; }
        note.remove();
        flash("Đã hoàn tác: liên kết sẽ được xét lại ở lần liên kết sau.");
      }).catch(function (err) { button.disabled = false; flash(err.message, true); });
    });
  }
  document.querySelectorAll("#petitions button.dismiss-answered").forEach(bindDismiss);
  document.querySelectorAll("#petitions button.restore-answered").forEach(bindRestore);

  function picked() {
    return Array.prototype.slice.call(document.querySelectorAll("#petitions input.pick:checked")).map(rowOf);
  }
  function countPicked() {
    var el = document.getElementById("selected-count");
    if (el) { el.textContent = picked().length; }
  }
  document.querySelectorAll("#petitions input.pick").forEach(function (box) { box.addEventListener("change", countPicked); });
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("#petitions input.pick").forEach(function (box) { box.checked = all.checked; });
      countPicked();
    });
  }
  function bulk(body) {
    var rows = picked();
    if (!rows.length) { flash("Chưa chọn kiến nghị nào.", true); return; }
    body.ids = rows.map(function (tr) { return Number(tr.dataset.id); });
    body.versions = {};
    rows.forEach(function (tr) { body.versions[tr.dataset.id] = Number(tr.dataset.version); });
    api("POST", "/api/petitions/bulk", body).then(function (list) {
      list.forEach(function (p) {
        var tr = document.querySelector('#petitions tr[data-id="' + p.id + '"]');
        if (tr) { applyRow(tr, p); tr.querySelector("input.pick").checked = false; }
      });
      countPicked();
      flash("Đã lưu " + list.length + " kiến nghị.");
    }).catch(function (err) { flash(err.message, true); });
  }
  var bulkApply = document.getElementById("bulk-apply");
  if (bulkApply) {
    bulkApply.addEventListener("click", function () {
      var value = document.getElementById("bulk-category").value;
      if (!value) { flash("Hãy chọn chủ đề.", true); return; }
      bulk(changeFor(value));
    });
    document.getElementById("bulk-confirm").addEventListener("click", function () { bulk({ reviewed: true }); });
  }

  // ---------------------------------------------------------------- progress page
  var progress = document.getElementById("progress");
  if (progress && progress.dataset.state === "processing") {
    var id = progress.dataset.survey;
    var poll = function () {
      fetch("/api/surveys/" + id + "/progress", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
        if (d.state !== "processing") { window.location.reload(); return; }
        var bar = document.getElementById("progress-bar");
        var text = document.getElementById("progress-text");
        var stages = { queued: "đang chờ", read: "đang đọc tệp", classify: "đang phân loại", group: "đang nhóm vấn đề", save: "đang lưu" };
        if (bar && d.total) { bar.max = d.total; bar.value = d.done; }
        if (text) { text.textContent = (stages[d.stage] || "") + (d.total ? " " + d.done + "/" + d.total : ""); }
        setTimeout(poll, 500);
      }).catch(function () { setTimeout(poll, 1500); });
    };
    poll();
  }

  // ---------------------------------------------------------------- groups page
  function groupOf(el) { return el.closest("[data-group]"); }
  function reload(message) { flash(message); setTimeout(function () { window.location.reload(); }, 300); }

  document.querySelectorAll("button.group-action").forEach(function (button) {
    button.addEventListener("click", function () {
      var g = groupOf(button).dataset.group;
      api("POST", "/api/groups/" + g + "/" + button.dataset.action, {})
        .then(function () { reload("Đã lưu."); }).catch(function (err) { flash(err.message, true); });
    });
  });
  function chooser(button, category, onPick) {
    var source = document.getElementById("group-choices");
    var own = groupOf(button).dataset.group;
    var select = source.cloneNode(true);
    select.removeAttribute("id");
    select.hidden = false;
    Array.prototype.slice.call(select.options).forEach(function (o) {
      if (o.value && (o.value === own || (category && o.dataset.category !== category))) { o.remove(); }
    });
    select.addEventListener("change", function () { if (select.value) { onPick(Number(select.value)); } });
    button.replaceWith(select);
    select.focus();
  }
  document.querySelectorAll("button.merge-start").forEach(function (button) {
    button.addEventListener("click", function () {
      var box = groupOf(button);
      chooser(button, button.dataset.category, function (into) {
        api("POST", "/api/groups/" + box.dataset.group + "/merge", { into: into })
          .then(function () { reload("Đã gộp nhóm."); }).catch(function (err) { flash(err.message, true); });
      });
    });
  });
  document.querySelectorAll("button.make-rep").forEach(function (button) {
    button.addEventListener("click", function () {
      var li = button.closest("li[data-petition]");
      api("POST", "/api/groups/" + groupOf(button).dataset.group + "/representative", { petition_id: Number(li.dataset.petition) })
        .then(function () { reload("Đã chọn kiến nghị đại diện."); }).catch(function (err) { flash(err.message, true); });
    });
  });
  document.querySelectorAll("button.move-start").forEach(function (button) {
    button.addEventListener("click", function () {
      var li = button.closest("li[data-petition]");
      chooser(button, null, function (target) {
        api("POST", "/api/petitions/" + li.dataset.petition + "/move", { group_id: target, version: Number(li.dataset.version) })
          .then(function () { reload("Đã chuyển kiến nghị."); }).catch(function (err) { flash(err.message, true); });
      });
    });
  });
  var settings = document.getElementById("settings");
  if (settings) {
    settings.addEventListener("submit", function (event) {
      event.preventDefault();
      var n = Number(document.getElementById("n").value);
      var quota = document.getElementById("quota").value.trim() || "proportional";
      var answered = document.getElementById("answered");
      var body = { n: n, quota: quota };
      if (answered) { body.answered = answered.value; }
      api("PUT", "/api/surveys/" + settings.dataset.survey + "/settings", body)
        .then(function () { reload("Đã chọn lại danh sách."); }).catch(function (err) { flash(err.message, true); });
    });
  }

  // ---------------------------------------------------------------- answers page
  document.querySelectorAll("form.answer").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {
        agency: form.elements.agency.value, answer: form.elements.answer.value,
        answered_on: form.elements.answered_on.value, status: form.elements.status.value,
        version: Number(form.dataset.version || 0)
      };
      api("PUT", "/api/groups/" + form.dataset.group + "/answer", body)
        .then(function (saved) { form.dataset.version = saved.version; flash("Đã lưu câu trả lời."); })
        .catch(function (err) { flash(err.message, true); });
    });
  });
  var agencyForm = document.getElementById("agency-form");
  if (agencyForm) {
    agencyForm.addEventListener("submit", function (event) {
      event.preventDefault();
      api("POST", "/api/agencies", { name: document.getElementById("agency-name").value })
        .then(function () { reload("Đã thêm cơ quan."); }).catch(function (err) { flash(err.message, true); });
    });
  }

  // ---------------------------------------------------------------- retrain page
  var retrain = document.getElementById("retrain");
  if (retrain) {
    var names = { queued: "đang chờ", labels: "đọc các chủ đề đã xác nhận", train: "đang huấn luyện (kiểm định chéo + mô hình cuối)", evaluate: "đang chấm trên các bộ kiểm tra", done: "xong" };
    var watch = function () {
      fetch("/api/retrain", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (d) {
        var bar = document.getElementById("retrain-bar");
        bar.hidden = false; bar.max = d.steps; bar.value = d.step || 0;
        document.getElementById("retrain-stage").textContent = names[d.stage] || d.stage || "";
        if (d.state === "running") { setTimeout(watch, 1000); } else { window.location.reload(); }
      }).catch(function () { setTimeout(watch, 2000); });
    };
    if (retrain.dataset.state === "running") { watch(); }
    document.getElementById("retrain-start").addEventListener("click", function () {
      api("POST", "/api/retrain", {}).then(function () { document.getElementById("retrain-start").disabled = true; watch(); })
        .catch(function (err) { flash(err.message, true); });
    });
    var promoteButton = document.getElementById("retrain-promote");
    if (promoteButton) {
      promoteButton.addEventListener("click", function () {
        api("POST", "/api/retrain/promote", {}).then(function (d) {
          if (d.promoted) { reload("Đã dùng mô hình mới."); } else { flash("Không dùng mô hình mới: " + d.reason, true); }
        }).catch(function (err) { flash(err.message, true); });
      });
    }
    document.getElementById("retrain-rollback").addEventListener("click", function () {
      api("POST", "/api/retrain/rollback", {}).then(function () { reload("Đã quay lại mô hình trước."); })
        .catch(function (err) { flash(err.message, true); });
    });
  }
})();

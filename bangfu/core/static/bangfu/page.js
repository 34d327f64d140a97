// Small page behaviours declared in the markup, so no template needs inline script (the
// Content-Security-Policy allows only our own files):
//   data-autosubmit              on a field: submit its form when it changes
//   data-clear-on-change="name"  with data-autosubmit: empty the form's field `name` first
//   data-check-all="name"        on a checkbox: tick or untick every checkbox named `name`
//   data-check="name"            on a button: tick every checkbox named `name`
document.addEventListener("change", function (event) {
  var field = event.target;
  if (!(field instanceof Element)) return;
  if (field.matches("[data-check-all]")) {
    var name = field.getAttribute("data-check-all");
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
      box.checked = field.checked;
    });
  }
  if (field.matches("[data-autosubmit]") && field.form) {
    var clear = field.getAttribute("data-clear-on-change");
    if (clear && field.form.elements[clear]) field.form.elements[clear].value = "";
    if (field.form.requestSubmit) field.form.requestSubmit();
    else field.form.submit();
  }
});

document.addEventListener("click", function (event) {
  var button = event.target instanceof Element && event.target.closest("[data-check]");
  if (!button) return;
  var name = button.getAttribute("data-check");
  document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
    box.checked = true;
  });
});

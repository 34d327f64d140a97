// Multi-pick search boxes (core.forms.PickerWidget): choosing a match from the list adds a
// removable chip holding a hidden input; the form posts one value per chip.
(function () {
  function optionFor(input) {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list) return null;
    return Array.from(list.options).find((o) => o.value === input.value) || null;
  }
  function choose(input) {
    const option = optionFor(input);
    if (!option) return false;
    const box = input.closest("[data-picker]");
    const chips = box.querySelector("[data-picker-chips]");
    const name = box.dataset.name;
    const taken = Array.from(chips.querySelectorAll("input")).some((i) => i.value === option.value);
    if (!taken) {
      const chip = document.createElement("span");
      chip.className = "badge rounded-pill text-bg-light border fs-6 fw-normal d-inline-flex align-items-center gap-1";
      chip.dataset.pickerChip = "";
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = name;
      hidden.value = option.value;
      const close = document.createElement("button");
      close.type = "button";
      close.className = "btn-close btn-close-sm";
      close.style.fontSize = ".6rem";
      close.dataset.pickerRemove = "";
      close.setAttribute("aria-label", "×");
      chip.append(hidden, document.createTextNode(option.label || option.textContent), close);
      chips.append(chip);
    }
    input.value = "";
    return true;
  }
  document.addEventListener("input", (e) => {
    const input = e.target.closest && e.target.closest("[data-picker-input]");
    if (input && (!e.inputType || e.inputType === "insertReplacementText")) choose(input);
  });
  document.addEventListener("change", (e) => {
    const input = e.target.closest && e.target.closest("[data-picker-input]");
    if (input) choose(input);
  });
  // A single search box shows what its value names; keep that line in step with the box.
  document.addEventListener("input", (e) => {
    const input = e.target;
    if (!input.getAttribute || !input.getAttribute("list") || input.hasAttribute("data-picker-input")) return;
    const option = optionFor(input);
    let note = input.parentElement.querySelector("[data-search-current]");
    if (!note) {
      note = document.createElement("div");
      note.className = "form-text";
      note.dataset.searchCurrent = "";
      input.parentElement.querySelector("datalist").after(note);
    }
    note.textContent = option ? option.label || option.textContent : "";
  });
  document.addEventListener("keydown", (e) => {
    const input = e.target.closest && e.target.closest("[data-picker-input]");
    if (input && e.key === "Enter") {
      e.preventDefault(); // Enter picks; it must not submit a half-filled form
      choose(input);
    }
  });
  document.addEventListener("click", (e) => {
    const button = e.target.closest && e.target.closest("[data-picker-remove]");
    if (button) button.closest("[data-picker-chip]").remove();
  });
})();

// The "Mention someone" helper under a message: its suggestion buttons insert "@Name " at
// the caret of the message they belong to and give it the focus back. Without this script
// the suggestions still show the names to type.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-mention]");
  if (!button) return;
  const field = document.getElementById(button.dataset.target);
  if (!field) return;
  const text = `@${button.dataset.mention} `;
  const start = field.selectionStart ?? field.value.length;
  const end = field.selectionEnd ?? start;
  const before = field.value.slice(0, start);
  const spacer = before && !/\s$/.test(before) ? " " : "";
  field.value = before + spacer + text + field.value.slice(end);
  const caret = start + spacer.length + text.length;
  field.focus();
  field.setSelectionRange(caret, caret);
  const status = document.getElementById(button.dataset.status);
  if (status) status.textContent = `Inserted @${button.dataset.mention} in your message.`;
});

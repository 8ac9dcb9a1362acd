// The console works without this script; it only asks before destructive
// actions and offers to copy a key that is shown once.
document.addEventListener("submit", (ev) => {
  const q = ev.target.getAttribute("data-confirm");
  if (q && !window.confirm(q)) ev.preventDefault();
});
document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll("[data-copy]")) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = "Copy";
    b.addEventListener("click", () => {
      navigator.clipboard.writeText(el.getAttribute("data-copy")).then(() => { b.textContent = "Copied"; });
    });
    el.after(b);
  }
});

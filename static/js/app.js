// Behaviour without inline scripts (the CSP forbids them): confirm dangerous submits.
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Forms marked data-confirm ask their question before they are sent (removing what cannot
// be brought back); without scripts they are sent at once.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

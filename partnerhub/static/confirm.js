// Forms and buttons marked data-confirm ask their question before the form is sent (removing
// what cannot be brought back); without scripts it is sent at once. A button's question is
// asked for that button: several rows' buttons may share one form.
document.addEventListener("submit", (event) => {
  const question = event.submitter?.dataset.confirm || event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

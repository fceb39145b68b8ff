// Progressive enhancement only: every form works without it. Copy buttons copy the text of the element they name.
document.addEventListener('click', (event) => {
  const button = event.target.closest('[data-copy]')
  if (!button) return
  const source = document.getElementById(button.dataset.copy)
  if (!source || !navigator.clipboard) return
  navigator.clipboard.writeText(source.textContent.trim()).then(() => { button.textContent = 'Copied' })
})

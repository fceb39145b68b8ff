// Progressive enhancement only: every form works without it. Copy buttons copy the text of the element they name.
document.addEventListener('click', (event) => {
  const button = event.target.closest('[data-copy]')
  if (!button) return
  const source = document.getElementById(button.dataset.copy)
  if (!source || !navigator.clipboard) return
  navigator.clipboard.writeText(source.textContent.trim()).then(() => { button.textContent = 'Copied' })
})

// Destructive forms ask first (the server needs no script: without one the form posts as it is).
document.addEventListener('submit', (event) => {
  const form = event.target.closest('form[data-confirm]')
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault()
})

// The history's live tail: attempts as they are recorded, newest first (the stream resumes by itself).
const live = document.querySelector('#live[data-stream]')
if (live && window.EventSource) {
  const rows = live.querySelector('tbody')
  const source = new EventSource(live.dataset.stream)
  source.addEventListener('attempt', (event) => {
    const attempt = JSON.parse(event.data)
    const row = document.createElement('tr')
    const cells = [new Date(attempt.startedAt).toISOString(), attempt.eventId, attempt.topic, attempt.outcome,
      attempt.statusCode ?? '', attempt.error ?? '']
    for (const text of cells) {
      const cell = document.createElement('td')
      cell.textContent = String(text)
      row.append(cell)
    }
    rows.prepend(row)
    while (rows.rows.length > 50) rows.deleteRow(-1)
  })
}

// Times: the server says them relative to now with the UTC time on hover; here the hover gains the viewer's own
// time zone, and the relative words stay current.
function relative(date) {
  const seconds = Math.round((date.getTime() - Date.now()) / 1000)
  const ahead = seconds > 0
  const abs = Math.abs(seconds)
  if (abs < 45) return 'just now'
  if (abs >= 129600) return `on ${date.toISOString().slice(0, 10)}`
  const amount = abs < 5400 ? `${Math.round(abs / 60)} min` : `${Math.round(abs / 3600)} h`
  return ahead ? `in ${amount}` : `${amount} ago`
}
function localTimes() {
  for (const time of document.querySelectorAll('time[datetime]')) {
    const date = new Date(time.getAttribute('datetime'))
    if (Number.isNaN(date.getTime())) continue
    const utc = time.dataset.utc ?? time.title
    time.dataset.utc = utc
    time.title = `${date.toLocaleString()} (your time) · ${utc}`
    time.textContent = relative(date)
  }
}
localTimes()
setInterval(localTimes, 60_000)

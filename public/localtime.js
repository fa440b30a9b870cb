// Status pages are complete without script: times are in UTC. Where scripts
// run and the visitor is not on UTC, each time also shows in their own zone.
for (const element of document.querySelectorAll('time[data-utc]')) {
  const at = new Date(element.getAttribute('datetime'));
  if (Number.isNaN(at.getTime()) || at.getTimezoneOffset() === 0) continue;
  const local = document.createElement('span');
  local.className = 'local-time';
  const text = at.toLocaleString(undefined, {
    month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  });
  local.textContent = ` (your time: ${text})`;
  element.after(local);
}

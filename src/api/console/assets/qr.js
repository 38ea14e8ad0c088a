// The QR sheet: print it (the page's print style hides everything but the codes).
document.getElementById('print')?.addEventListener('click', () => globalThis.print());

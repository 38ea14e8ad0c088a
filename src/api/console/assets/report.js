// The residents' form works without this script; with it, a large photo is shrunk before sending.
const { shrink } = globalThis.fm;
const form = document.getElementById('report');
const input = document.getElementById('photo');
let shrunk = false;

form?.addEventListener('submit', async (e) => {
  const file = input?.files?.[0];
  if (!file || shrunk) return;
  e.preventDefault();
  const small = await shrink(file);
  const list = new DataTransfer();
  list.items.add(small);
  input.files = list.files;
  shrunk = true;
  form.requestSubmit();
});

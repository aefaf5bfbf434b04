// Number, money and time formatting shared by the pages (the browser's locale, UTC times).

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export function fmtInt(value) {
  return value === null || value === undefined || Number.isNaN(value) ? '–' : integer.format(value);
}

export function fmtNum(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (digits === 2) return decimal.format(value);
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: digits }).format(value);
}

export function fmtPct(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return `${(value * 100).toFixed(digits)}\u00a0%`;
}

export function fmtMoney(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: 2, minimumFractionDigits: 2 })
    .format(value);
}

// "2026-03-01T10:00:00.000Z" -> "2026-03-01 10:00 UTC"
export function fmtTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

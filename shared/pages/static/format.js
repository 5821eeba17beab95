// How numbers, amounts and times read on the pages. The APIs send decimals as strings (exact);
// the pages show them rounded and keep the exact value in a data-value attribute.

const DASH = "–";

export function number(value, digits = 0) {
  if (value === null || value === undefined || value === "") return DASH;
  return Number(value).toLocaleString("en", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function money(value, currency) {
  return value === null || value === undefined ? DASH : `${number(value, 2)} ${currency}`;
}

export function percent(value, digits = 1) {
  return value === null || value === undefined ? DASH : `${number(Number(value) * 100, digits)} %`;
}

// 90 → "1 min 30 s", 7500 → "2 h 05 min", 200000 → "2 d 7 h"; negative durations keep the sign.
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return DASH;
  const sign = seconds < 0 ? "-" : "";
  let s = Math.round(Math.abs(seconds));
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  s %= 60;
  if (days) return `${sign}${days} d ${hours} h`;
  if (hours) return `${sign}${hours} h ${String(minutes).padStart(2, "0")} min`;
  if (minutes) return `${sign}${minutes} min ${s} s`;
  return `${sign}${s} s`;
}

export function dateTime(iso) {
  if (!iso) return DASH;
  return new Date(iso).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function daysAgo(days, from = new Date()) {
  return new Date(from.getTime() - days * 86400000);
}

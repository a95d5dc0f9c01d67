// Product pictures are drawn here, not fetched: the shop works offline and
// needs no image host. Each category has a hue and a simple line drawing.

const palettes: Record<string, [string, string]> = {
  Audio: ["#312e81", "#6366f1"],
  Kitchen: ["#7c2d12", "#f97316"],
  Desk: ["#134e4a", "#14b8a6"],
  Outdoor: ["#14532d", "#65a30d"],
  Home: ["#831843", "#ec4899"],
};

const drawings: Record<string, string> = {
  Audio:
    '<path d="M130 250v-50a70 70 0 0 1 140 0v50" /><rect x="112" y="240" width="40" height="70" rx="14" /><rect x="248" y="240" width="40" height="70" rx="14" />',
  Kitchen:
    '<path d="M120 200h150v70a40 40 0 0 1-40 40h-70a40 40 0 0 1-40-40z" /><path d="M270 220h30a20 20 0 0 1 0 40h-30" /><path d="M160 170c0-20 15-20 15-40M200 170c0-20 15-20 15-40" />',
  Desk: '<path d="M140 310h120" /><path d="M200 310v-90l50-60" /><path d="M225 140l50 20-30 45z" />',
  Outdoor: '<path d="M90 300l80-130 40 60 30-40 70 110z" /><circle cx="270" cy="140" r="22" />',
  Home: '<path d="M110 210l90-70 90 70" /><path d="M130 200v100h140v-100" /><rect x="180" y="240" width="40" height="60" rx="6" />',
};

const escapeXml = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);

export function productImageSvg({ name, category }: { name: string; category: string }): string {
  const [dark, light] = palettes[category] ?? ["#1e293b", "#64748b"];
  const drawing = drawings[category] ?? drawings.Home!;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" role="img" aria-label="${escapeXml(name)}">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${light}"/><stop offset="1" stop-color="${dark}"/></linearGradient></defs>
  <rect width="400" height="400" fill="url(#g)"/>
  <circle cx="200" cy="225" r="130" fill="#fff" fill-opacity="0.12"/>
  <g fill="none" stroke="#fff" stroke-width="12" stroke-linecap="round" stroke-linejoin="round">${drawing}</g>
  <text x="200" y="370" text-anchor="middle" font-family="system-ui, sans-serif" font-size="24" font-weight="600" fill="#fff" fill-opacity="0.9">${escapeXml(name)}</text>
</svg>`;
}

// The demo catalogue: deterministic, so every fresh database is the same shop
// and a screenshot or a bug report means the same thing everywhere.

export const seedWarehouses = [
  { id: "blr-01", name: "Bengaluru", city: "Bengaluru" },
  { id: "del-01", name: "Delhi", city: "New Delhi" },
  { id: "mum-01", name: "Mumbai", city: "Mumbai" },
  { id: "hyd-01", name: "Hyderabad", city: "Hyderabad" },
] as const;

type Family = {
  category: string;
  nouns: string[];
  blurb: string;
  // price range in rupees
  price: [number, number];
};

const families: Family[] = [
  {
    category: "Audio",
    nouns: ["Headphones", "Earbuds", "Speaker", "Soundbar", "Turntable"],
    blurb: "Tuned for long listening: warm, detailed and never fatiguing.",
    price: [1499, 24999],
  },
  {
    category: "Kitchen",
    nouns: ["Kettle", "Pour-Over Set", "Chef's Knife", "Cast-Iron Pan", "Spice Grinder"],
    blurb: "Built for the everyday kitchen and made to outlast it.",
    price: [599, 8999],
  },
  {
    category: "Desk",
    nouns: ["Desk Lamp", "Notebook", "Fountain Pen", "Monitor Stand", "Desk Mat"],
    blurb: "A calmer, tidier desk, one considered object at a time.",
    price: [349, 6999],
  },
  {
    category: "Outdoor",
    nouns: ["Backpack", "Water Bottle", "Trail Jacket", "Camp Stove", "Headlamp"],
    blurb: "Light enough to forget, tough enough to rely on.",
    price: [799, 14999],
  },
  {
    category: "Home",
    nouns: ["Throw Blanket", "Ceramic Vase", "Scented Candle", "Wall Clock", "Linen Cushion"],
    blurb: "Small things that make a room feel finished.",
    price: [449, 5999],
  },
];

const adjectives = [
  "Aurora",
  "Monsoon",
  "Saffron",
  "Indigo",
  "Basalt",
  "Cedar",
  "Harbor",
  "Lumen",
  "Nimbus",
  "Teak",
  "Marigold",
  "Slate",
  "Juniper",
  "Coral",
  "Ember",
  "Tidal",
  "Kestrel",
  "Onyx",
  "Meadow",
  "Zenith",
];

const finishes = ["in Charcoal", "in Sand", "in Forest", "in Ivory"];

// mulberry32: a tiny PRNG with a fixed seed, so the catalogue never changes
export function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/'/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

export type SeedProduct = {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  imageUrl: string;
  category: string;
  stock: { warehouseId: string; total: number; sold: number }[];
};

// A row is plenty (20–200 units), few (1–3, where races show), sold out
// (every unit sold) or simply not stocked in that warehouse.
function stockRow(random: () => number, warehouseId: string) {
  const roll = random();
  if (roll < 0.5) return { warehouseId, total: 20 + Math.floor(random() * 181), sold: Math.floor(random() * 10) };
  if (roll < 0.72) return { warehouseId, total: 1 + Math.floor(random() * 3), sold: 0 };
  if (roll < 0.85) {
    const total = 5 + Math.floor(random() * 20);
    return { warehouseId, total, sold: total };
  }
  return null;
}

export function seedCatalogue(count = 100): SeedProduct[] {
  const random = prng(20261122);
  const products: SeedProduct[] = [];
  for (let i = 0; i < count; i++) {
    const family = families[i % families.length]!;
    const noun = family.nouns[Math.floor(i / families.length) % family.nouns.length]!;
    const adjective = adjectives[Math.floor(i / (families.length * family.nouns.length)) * 5 + (i % 5)]!;
    const finish = finishes[Math.floor(random() * finishes.length)]!;
    const name = `${adjective} ${noun}`;
    const id = slug(name);
    const [low, high] = family.price;
    const rupees = Math.round((low + random() * (high - low)) / 50) * 50 - 1;
    let stock = seedWarehouses
      .map((w) => stockRow(random, w.id))
      .filter((row): row is NonNullable<typeof row> => row !== null);
    if (stock.length === 0) stock = [{ warehouseId: "blr-01", total: 2, sold: 0 }];
    products.push({
      id,
      name,
      description: `The ${name} ${finish}. ${family.blurb}`,
      priceCents: rupees * 100,
      currency: "INR",
      imageUrl: `/images/products/${id}.svg`,
      category: family.category,
      stock,
    });
  }
  return products;
}

/**
 * Generated demo catalogs: deterministic (seeded), realistic enough to browse,
 * and large enough to matter (hundreds of variants per brand).
 */

export interface DemoVariant {
  sku: string;
  options: { name: string; value: string }[];
  msrp: { amount: string; currencyCode: string };
}
export interface DemoProduct {
  name: string;
  description: string;
  options: { name: string; values: string[] }[];
  variants: DemoVariant[];
}

/** Mulberry32: a tiny seeded PRNG, so every `npm start` generates the same catalog. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Line {
  noun: string;
  adjectives: string[];
  materials: string[];
  options: { name: string; values: string[] }[];
  price: [number, number];
  blurb: string;
}

const LINES: Record<string, Line[]> = {
  apparel: [
    {
      noun: 'T-Shirt',
      adjectives: ['Classic', 'Everyday', 'Heritage', 'Trail', 'Harbor'],
      materials: ['Organic Cotton', 'Slub Cotton', 'Merino'],
      options: [
        { name: 'Size', values: ['XS', 'S', 'M', 'L', 'XL'] },
        { name: 'Colour', values: ['Black', 'Navy', 'Oat'] },
      ],
      price: [24, 45],
      blurb: 'A soft, durable tee cut for layering.',
    },
    {
      noun: 'Hoodie',
      adjectives: ['Summit', 'Fireside', 'Coastal', 'Campus'],
      materials: ['Brushed Fleece', 'French Terry'],
      options: [
        { name: 'Size', values: ['S', 'M', 'L', 'XL'] },
        { name: 'Colour', values: ['Charcoal', 'Forest', 'Sand'] },
      ],
      price: [59, 95],
      blurb: 'Warm mid-weight hoodie with a lined hood.',
    },
    {
      noun: 'Chino',
      adjectives: ['Slim', 'Relaxed', 'Straight'],
      materials: ['Stretch Twill', 'Canvas'],
      options: [
        { name: 'Waist', values: ['30', '32', '34', '36'] },
        { name: 'Colour', values: ['Khaki', 'Olive', 'Navy'] },
      ],
      price: [65, 110],
      blurb: 'Garment-dyed chinos that soften with every wash.',
    },
    {
      noun: 'Jacket',
      adjectives: ['Rain', 'Field', 'Quilted', 'Shell'],
      materials: ['Recycled Nylon', 'Waxed Cotton'],
      options: [
        { name: 'Size', values: ['S', 'M', 'L', 'XL'] },
        { name: 'Colour', values: ['Black', 'Rust'] },
      ],
      price: [120, 260],
      blurb: 'Weather-ready outer layer with taped seams.',
    },
  ],
  outdoor: [
    {
      noun: 'Backpack',
      adjectives: ['Daypack', 'Alpine', 'Commuter', 'Ridge'],
      materials: ['Ripstop', 'Cordura'],
      options: [
        { name: 'Capacity', values: ['18L', '24L', '32L'] },
        { name: 'Colour', values: ['Black', 'Glacier', 'Moss'] },
      ],
      price: [79, 189],
      blurb: 'Padded back panel, laptop sleeve and a stowable rain cover.',
    },
    {
      noun: 'Water Bottle',
      adjectives: ['Insulated', 'Trail', 'Summit'],
      materials: ['Stainless Steel'],
      options: [
        { name: 'Volume', values: ['500ml', '750ml', '1L'] },
        { name: 'Colour', values: ['Snow', 'Slate', 'Ember', 'Pine'] },
      ],
      price: [22, 42],
      blurb: 'Keeps drinks cold for 24 hours and hot for 12.',
    },
    {
      noun: 'Hiking Boot',
      adjectives: ['Ridgeline', 'Approach', 'Talus'],
      materials: ['Nubuck', 'Mesh'],
      options: [
        { name: 'EU Size', values: ['39', '40', '41', '42', '43', '44', '45'] },
        { name: 'Width', values: ['Regular', 'Wide'] },
      ],
      price: [129, 229],
      blurb: 'Waterproof membrane and a grippy Vibram outsole.',
    },
    {
      noun: 'Sleeping Bag',
      adjectives: ['Three-Season', 'Ultralight'],
      materials: ['Down', 'Synthetic'],
      options: [
        { name: 'Length', values: ['Regular', 'Long'] },
        { name: 'Zip', values: ['Left', 'Right'] },
      ],
      price: [149, 349],
      blurb: 'Rated to -5 °C, packs down to the size of a loaf.',
    },
  ],
  home: [
    {
      noun: 'Mug',
      adjectives: ['Stoneware', 'Speckled', 'Diner'],
      materials: ['Ceramic'],
      options: [
        { name: 'Size', values: ['8oz', '12oz', '16oz'] },
        { name: 'Glaze', values: ['Cream', 'Ink', 'Clay', 'Sage'] },
      ],
      price: [14, 28],
      blurb: 'Hand-glazed, dishwasher safe.',
    },
    {
      noun: 'Throw Blanket',
      adjectives: ['Waffle', 'Herringbone', 'Chunky'],
      materials: ['Wool', 'Cotton'],
      options: [
        { name: 'Size', values: ['130x170', '150x200'] },
        { name: 'Colour', values: ['Ivory', 'Rust', 'Slate', 'Moss'] },
      ],
      price: [69, 159],
      blurb: 'A woven throw for sofas and cold evenings.',
    },
    {
      noun: 'Candle',
      adjectives: ['Cedar', 'Fig', 'Amber', 'Sea Salt'],
      materials: ['Soy Wax'],
      options: [
        { name: 'Size', values: ['Small', 'Large'] },
        { name: 'Vessel', values: ['Glass', 'Tin'] },
      ],
      price: [18, 46],
      blurb: 'Clean-burning soy wax, 40 to 80 hours of burn time.',
    },
  ],
};

function price(r: () => number, [lo, hi]: [number, number], bump: number): string {
  const base = lo + (hi - lo) * r();
  return (Math.round(base + bump) - 0.01).toFixed(2);
}

function combos(options: { name: string; values: string[] }[]): { name: string; value: string }[][] {
  return options.reduce<{ name: string; value: string }[][]>(
    (acc, o) => acc.flatMap((c) => o.values.map((v) => [...c, { name: o.name, value: v }])),
    [[]],
  );
}

/** `count` products of the brand's lines, each with every option combination as a variant. */
export function generateCatalog(
  brandCode: string,
  line: keyof typeof LINES,
  count: number,
  seed: number,
  currencyCode = 'EUR',
): DemoProduct[] {
  const r = rng(seed);
  const lines = LINES[line]!;
  const products: DemoProduct[] = [];
  const used = new Set<string>();
  for (let i = 0; products.length < count && i < count * 20; i++) {
    const l = lines[i % lines.length]!;
    const adj = l.adjectives[Math.floor(r() * l.adjectives.length)]!;
    const mat = l.materials[Math.floor(r() * l.materials.length)]!;
    const name = `${adj} ${mat} ${l.noun}`;
    if (used.has(name)) continue;
    used.add(name);
    const n = products.length + 1;
    const bump = r() * 10;
    products.push({
      name,
      description: `${l.blurb} Made from ${mat.toLowerCase()}.`,
      options: l.options,
      variants: combos(l.options).map((opts, j) => ({
        sku: `${brandCode}-${String(n).padStart(3, '0')}-${String(j + 1).padStart(2, '0')}`,
        options: opts,
        msrp: { amount: price(r, l.price, bump), currencyCode },
      })),
    });
  }
  return products;
}

export const DEMO_CATALOGS = [
  { account: 'brand@demo.tradegraph.dev', code: 'NWO', line: 'apparel', products: 24, seed: 11 },
  { account: 'brand2@demo.tradegraph.dev', code: 'ALP', line: 'outdoor', products: 20, seed: 23 },
  { account: 'brand3@demo.tradegraph.dev', code: 'LUM', line: 'home', products: 18, seed: 37 },
] as const;

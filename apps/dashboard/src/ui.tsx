import type { ReactNode } from 'react';

export function formatMoney(m: { amount: string; currencyCode: string } | null | undefined): string {
  if (!m) return '—';
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: m.currencyCode }).format(
      Number(m.amount),
    );
  } catch {
    return `${m.amount} ${m.currencyCode}`;
  }
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      {label}
    </p>
  );
}

export function ErrorBox({ error, children }: { error?: unknown; children?: ReactNode }) {
  return (
    <div className="error" role="alert">
      {children ?? (error instanceof Error ? error.message : 'Something went wrong.')}
    </div>
  );
}

/** A product image placeholder with a fixed aspect ratio, so nothing moves when images load. */
export function ProductImage({ title, size = 'card' }: { title: string; size?: 'card' | 'large' }) {
  const hue = [...title].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
  return (
    <div className={`product-image ${size}`} style={{ background: `hsl(${hue} 45% 88%)` }} aria-hidden="true">
      <span>{title.slice(0, 1)}</span>
    </div>
  );
}

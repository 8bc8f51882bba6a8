import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '@tradegraph/runner/seed.ts';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shot, startWorld, type World, watch } from '../src/world.ts';

/**
 * The storefront and the dashboard in Chromium against the whole graph with the demo data:
 * a shopper browses, filters, fills a cart and checks out (approved and declined cards); a
 * supplier ships while the retailer's dashboard, open in another context, follows live.
 */

let w: World;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  w = await startWorld();
}, 600_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await w?.stop();
});

async function newPage(viewport = { width: 1280, height: 900 }): Promise<{ page: Page; log: string[] }> {
  const context = await w.browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { page, log: watch(page) };
}

const email = (kind: string, n = 1) => DEMO_ACCOUNTS.filter((a) => a.kind === kind)[n - 1]!.email;

async function signInDashboard(page: Page, account: string) {
  await page.goto(`${w.dashboard.url}/`);
  await page.getByLabel('Email').fill(account);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('org').waitFor();
}

async function fillCheckout(page: Page, card: string | RegExp) {
  await page.getByLabel('Email').fill('guest@shop.test');
  await page.getByLabel('Full name').fill('Gus Guest');
  await page.getByLabel('Address').fill('1 Canal Street');
  await page.getByLabel('City').fill('Amsterdam');
  await page.getByLabel('Postal code').fill('1011AA');
  await page.getByLabel(card).check();
}

/** Adds the first in-stock product matching `search` to the cart from its product page. */
async function addFirstInStock(page: Page, search: string) {
  await page.getByLabel('Search').fill(search);
  await page.getByLabel('In stock only').check();
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/instock=1/);
  await page.locator('.grid .card-link').first().click();
  await page.getByTestId('availability').filter({ hasText: 'available' }).waitFor();
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('status').filter({ hasText: 'Added 1 to your cart' }).waitFor();
}

/** A guest order placed through the API at a storefront, followed until the saga confirms it. */
async function placeConfirmedOrder(slug: string) {
  const page = await w.gql(
    `query($slug: String!) { storefront(slug: $slug) { listings(first: 5, filter: { available: true }) { nodes { id } } } }`,
    { slug },
  );
  const listingId = page.storefront.listings.nodes[0].id as string;
  const cart = await w.gql(`mutation($i: CreateCartInput!) { createCart(input: $i) { cart { id } } }`, {
    i: { storefrontSlug: slug },
  });
  const cartId = cart.createCart.cart.id as string;
  await w.gql(`mutation($i: AddCartLineInput!) { addCartLine(input: $i) { userErrors { message } } }`, {
    i: { cartId, listingId, quantity: 1 },
  });
  const r = await w.gql(
    `mutation($i: CheckoutInput!) { checkout(input: $i) { order { id number } orderAccessToken userErrors { message } } }`,
    {
      i: {
        cartId,
        email: 'api@shop.test',
        paymentToken: 'tok_visa',
        idempotencyKey: `browser-${cartId}`,
        shippingAddress: {
          name: 'A',
          line1: '1 Main St',
          city: 'Utrecht',
          postalCode: '3511',
          country: 'NL',
        },
      },
    },
  );
  const { order, orderAccessToken } = r.checkout;
  expect(order, JSON.stringify(r.checkout.userErrors)).toBeTruthy();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await w.gql(`query($id: ID!, $t: String) { order(id: $id, accessToken: $t) { status } }`, {
      id: order.id,
      t: orderAccessToken,
    });
    if (s.order.status === 'CONFIRMED') break;
    if (Date.now() > deadline) throw new Error(`order ${order.number} stuck at ${s.order.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return order as { id: string; number: string };
}

describe('storefront', () => {
  it('browse, filter, add to cart (kept over a reload), check out with tok_visa: the order page reaches CONFIRMED live', async () => {
    const { page, log } = await newPage();
    await page.goto(`${w.storefront.url}/s/corner-store`);
    await page.getByRole('link', { name: 'Corner Store' }).waitFor();
    expect(await page.locator('.currency').textContent()).toBe('EUR');
    await page.locator('.grid .card').first().waitFor();
    const all = Number((await page.getByTestId('result-count').textContent())!.replace(/\D/g, ''));
    await shot(page, 'storefront-browse');
    await addFirstInStock(page, 'a');
    const filtered = Number(
      (await page.goBack().then(() => page.getByTestId('result-count').textContent()))!.replace(/\D/g, ''),
    );
    expect(filtered).toBeLessThanOrEqual(all);
    await page.goForward();
    await shot(page, 'storefront-product');
    expect(await page.getByTestId('cart-count').textContent()).toBe('1');
    await page.reload();
    await page.getByTestId('cart-count').filter({ hasText: '1' }).waitFor();
    await page.getByRole('link', { name: /Cart/ }).click();
    await page.getByTestId('cart-line').first().waitFor();
    await shot(page, 'storefront-cart');
    await page.getByRole('link', { name: 'Check out' }).click();
    await fillCheckout(page, /approved/);
    await shot(page, 'storefront-checkout');
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.waitForURL(/\/orders\/ord_/);
    const navigations = await page.evaluate(() => performance.getEntriesByType('navigation').length);
    await page.locator('[data-testid=order-status][data-status=CONFIRMED]').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(navigations);
    await page.locator('.live.on').waitFor();
    await shot(page, 'storefront-order');
    expect(log.filter((l) => !l.includes('favicon'))).toEqual([]);
  });

  it('a declined card shows its message and gives the cart back intact', async () => {
    const { page } = await newPage({ width: 390, height: 844 }); // a phone: the layout stacks
    await page.goto(`${w.storefront.url}/s/corner-store`);
    await addFirstInStock(page, 'e');
    await page.getByRole('link', { name: /Cart/ }).click();
    const title = await page.getByTestId('cart-line').first().locator('td').first().textContent();
    const subtotal = await page.getByTestId('subtotal').textContent();
    await page.getByRole('link', { name: 'Check out' }).click();
    await fillCheckout(page, /sandbox: declined/);
    await page.getByRole('button', { name: /^Pay/ }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Payment failed' });
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toMatch(/declined/i);
    await shot(page, 'storefront-declined');
    expect(await page.getByTestId('cart-count').textContent()).toBe('1');
    await page.getByRole('link', { name: /Cart/ }).click();
    await page.getByTestId('cart-line').first().waitFor();
    expect(await page.getByTestId('cart-line').first().locator('td').first().textContent()).toBe(title);
    expect(await page.getByTestId('subtotal').textContent()).toBe(subtotal);
  });
});

describe('dashboard', () => {
  it("a supplier ships a group and the retailer's dashboard in another context shows SHIPPED without a reload", async () => {
    const order = await placeConfirmedOrder('corner-store');
    const { page: retailer } = await newPage();
    await signInDashboard(retailer, email('RETAILER'));
    const row = retailer.locator(`[data-order-id="${order.id}"] [data-testid=order-status]`);
    await row.filter({ hasText: 'CONFIRMED' }).waitFor();
    await retailer.locator('.live.on').waitFor();
    await shot(retailer, 'dashboard-retailer-orders');
    const navigations = await retailer.evaluate(() => performance.getEntriesByType('navigation').length);

    // The order went to whichever supplier routing chose: sign in as that one.
    const lines = await w.gql(
      `query($id: ID!) { order(id: $id) { lines { supplier { name } } } }`,
      { id: order.id },
      (
        await w.gql(`mutation($i: LoginInput!) { login(input: $i) { accessToken } }`, {
          i: { email: email('RETAILER'), password: DEMO_PASSWORD },
        })
      ).login.accessToken,
    );
    const supplierName = lines.order.lines[0].supplier.name as string;
    const supplier = DEMO_ACCOUNTS.find((a) => a.org === supplierName)!;
    const { page: ship } = await newPage();
    await signInDashboard(ship, supplier.email);
    await ship.getByRole('link', { name: 'Fulfilment' }).click();
    const group = ship.locator(`[data-testid=group][data-order-number="${order.number}"]`);
    await group.waitFor();
    await shot(ship, 'dashboard-supplier-queue');
    await group.getByLabel('Tracking number').fill('TRACK-1');
    await group.getByRole('button', { name: 'Ship', exact: true }).click();
    await group.locator('.pill', { hasText: 'SHIPPED' }).waitFor();

    await row.filter({ hasText: /^SHIPPED$/ }).waitFor({ timeout: 20_000 });
    expect(await retailer.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(
      navigations,
    );
    await retailer.getByRole('link', { name: order.number }).click();
    await retailer.getByRole('heading', { name: `Order ${order.number}` }).waitFor();
    await shot(retailer, 'dashboard-order-detail');
    await retailer.getByRole('link', { name: 'Sales' }).click();
    await retailer.locator('.chart').first().waitFor();
    await shot(retailer, 'dashboard-sales');
    await ship.getByRole('link', { name: 'Stock' }).click();
    await ship.getByRole('heading', { name: 'Movement log' }).waitFor();
    await shot(ship, 'dashboard-supplier-stock');
  });

  it("a retailer cannot open another retailer's order by URL", async () => {
    const other = await placeConfirmedOrder('maple-and-main');
    const { page } = await newPage();
    await signInDashboard(page, email('RETAILER'));
    await page.goto(`${w.dashboard.url}/orders/${other.id}`);
    await page.getByRole('heading', { name: 'Order not found' }).waitFor();
    expect(await page.content()).not.toContain(other.number);
    // …while the retailer it belongs to sees it.
    const { page: owner } = await newPage();
    await signInDashboard(owner, email('RETAILER', 2));
    await owner.goto(`${w.dashboard.url}/orders/${other.id}`);
    await owner.getByRole('heading', { name: `Order ${other.number}` }).waitFor();
  });
});

import { Migration } from '@mikro-orm/migrations';

/**
 * Carts for the order saga: a cart is OPEN until orders places an order for it
 * (then CHECKED_OUT, with the order's id), and each line remembers the unit
 * price it was added or last changed at (retailer.cart.changed carries it;
 * orders compares it with the listing's current price at checkout). Lines
 * written before keep null and are announced at the listing's current price.
 */
export class CartCheckoutTenant extends Migration {
  override name = '0002-cart-checkout';

  up(): void {
    this.addSql(
      "alter table carts add column status varchar(16) not null default 'OPEN' comment 'OPEN or CHECKED_OUT' after currency_code, add column order_id varchar(80) null comment 'the order that checked the cart out' after status, add column checked_out_at datetime(3) null after order_id",
    );
    this.addSql(
      "alter table cart_lines add column unit_price_minor bigint null comment 'listing price when the line was added or last changed (storefront currency, minor units)' after quantity",
    );
  }
}

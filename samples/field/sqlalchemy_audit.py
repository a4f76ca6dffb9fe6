"""An order service on SQLAlchemy's ORM over an in-memory SQLite database.

Each order runs in a short unit-of-work session: customer and products are
queried, an Order with its OrderLines is inserted and committed, the session
closed (all of that is churn). The leak: an "audit" session opened once at
start-up, into which every order adds an AuditEvent that is never flushed
or committed, so the session's pending set keeps every one alive. Bounded:
price quotes behind functools.lru_cache(maxsize=64), keyed by time slot.
"""
import functools
import time

from sqlalchemy import ForeignKey, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.pool import StaticPool

import _field


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "product"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    price: Mapped[float]


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(40))
    lines: Mapped[list["OrderLine"]] = relationship(back_populates="order")


class OrderLine(Base):
    __tablename__ = "order_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[int]
    order: Mapped[Order] = relationship(back_populates="lines")


class AuditEvent(Base):
    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_ref: Mapped[str] = mapped_column(String(60))
    total: Mapped[float]


class PriceQuote:
    def __init__(self, slot, prices):
        self.slot = slot
        self.prices = prices


# One connection shared by every session: an in-memory database lives as long
# as its connection.
engine = create_engine("sqlite://", poolclass=StaticPool,
                       connect_args={"check_same_thread": False})
Base.metadata.create_all(engine)
# The leak: a long-lived session that is added to and never flushed.
audit_session = Session(engine, autoflush=False)
log = _field.CreationLog()


@functools.lru_cache(maxsize=64)
def price_quote(slot):
    with Session(engine) as session:
        prices = {p.id: p.price * (1 + slot % 5 / 100) for p in session.scalars(select(Product))}
    return PriceQuote(slot, prices)


def place_order(n):
    quote = price_quote(_field.cache_slot())
    with Session(engine) as session:
        products = session.scalars(select(Product).where(Product.id <= 1 + n % 8)).all()
        order = Order(customer="customer-%d" % n)
        order.lines = [OrderLine(product_id=p.id, quantity=1 + n % 3) for p in products]
        session.add(order)
        session.commit()
        total = sum(quote.prices[line.product_id] * line.quantity for line in order.lines)
        ref = "order-%d" % order.id
    before = time.monotonic()
    audit_session.add(AuditEvent(order_ref=ref, total=total))
    log.stored("AuditEvent", before)
    return total


def main():
    with Session(engine) as session:
        session.add_all(Product(name="product-%d" % i, price=1.0 + i) for i in range(1, 9))
        session.commit()
    done = 0
    while _field.keep_going(done):
        place_order(done)
        done += 1
    log.close()
    print("sqlalchemy_audit: %d orders, %d pending audit events" % (done, len(audit_session.new)))


if __name__ == "__main__":
    main()

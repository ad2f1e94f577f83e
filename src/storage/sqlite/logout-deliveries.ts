import type { LogoutDelivery, LogoutDeliveryRepository } from '../../oidc/repository.js';
import type { Database } from './database.js';

export class SqliteLogoutDeliveries implements LogoutDeliveryRepository {
  constructor(private readonly db: Database) {}

  async enqueue(delivery: LogoutDelivery) {
    this.db.run('INSERT INTO logout_deliveries (id, due_at, doc) VALUES ($id, $due, $doc)', {
      id: delivery.id,
      due: delivery.dueAt,
      doc: JSON.stringify(delivery),
    });
  }

  /** One statement: concurrent claimers (other processes on the file) never get the same row. */
  async claimDue(now: number, leaseUntil: number, limit: number) {
    return this.db
      .all<{ doc: string; due_at: number }>(
        `UPDATE logout_deliveries SET due_at = $lease
         WHERE id IN (SELECT id FROM logout_deliveries WHERE due_at <= $now ORDER BY due_at LIMIT $limit)
         RETURNING doc, due_at`,
        { now, lease: leaseUntil, limit },
      )
      .map((row) => ({ ...(JSON.parse(row.doc) as LogoutDelivery), dueAt: row.due_at }));
  }

  async reschedule(id: string, attempts: number, dueAt: number) {
    this.db.run(
      `UPDATE logout_deliveries SET due_at = $due, doc = json_set(doc, '$.attempts', $attempts, '$.dueAt', $due) WHERE id = $id`,
      { id, attempts, due: dueAt },
    );
  }

  async remove(id: string) {
    this.db.run('DELETE FROM logout_deliveries WHERE id = $id', { id });
  }
}

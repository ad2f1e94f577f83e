import type { ApiRepository } from '../../apis/repository.js';
import type { Api } from '../../apis/types.js';
import type { Page } from '../../paging.js';
import { parseDoc, parseDocs, type Database } from './database.js';

type DocRow = { doc: string };

export class SqliteApis implements ApiRepository {
  constructor(private readonly db: Database) {}

  async insert(api: Api) {
    this.db.run(
      'INSERT INTO apis (id, identifier, doc) VALUES ($id, $identifier, $doc)',
      { id: api.id, identifier: api.identifier, doc: JSON.stringify(api) },
      'api',
    );
  }

  async findById(id: string) {
    return parseDoc<Api>(this.db.get<DocRow>('SELECT doc FROM apis WHERE id = $id', { id }));
  }

  async findByIdentifier(identifier: string) {
    return parseDoc<Api>(this.db.get<DocRow>('SELECT doc FROM apis WHERE identifier = $identifier', { identifier }));
  }

  async list(page: Page) {
    return parseDocs<Api>(
      this.db.all<DocRow>('SELECT doc FROM apis WHERE id > $after ORDER BY id LIMIT $limit', {
        after: page.after ?? '',
        limit: page.limit,
      }),
    );
  }

  /** The identifier is fixed once created: only the document changes. */
  async replace(api: Api) {
    return this.db.run('UPDATE apis SET doc = $doc WHERE id = $id', { id: api.id, doc: JSON.stringify(api) }).changes > 0;
  }

  async delete(id: string) {
    return this.db.run('DELETE FROM apis WHERE id = $id', { id }).changes > 0;
  }
}

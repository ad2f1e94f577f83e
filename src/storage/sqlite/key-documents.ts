import type { KeyDocumentRepository } from '../../keys/repository.js';
import type { Database } from './database.js';

export class SqliteKeyDocuments implements KeyDocumentRepository {
  constructor(private readonly db: Database) {}

  async read(name: string) {
    return this.db.get<{ sealed: string; version: number }>('SELECT sealed, version FROM key_documents WHERE name = $name', { name });
  }

  async create(name: string, sealed: string) {
    return (
      this.db.run('INSERT INTO key_documents (name, sealed, version) VALUES ($name, $sealed, 1) ON CONFLICT (name) DO NOTHING', {
        name,
        sealed,
      }).changes === 1
    );
  }

  async replace(name: string, version: number, sealed: string) {
    return (
      this.db.run('UPDATE key_documents SET sealed = $sealed, version = version + 1 WHERE name = $name AND version = $version', {
        name,
        sealed,
        version,
      }).changes === 1
    );
  }
}

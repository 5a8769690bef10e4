import { settingsSchema, type Settings } from '../../shared/domain';
import type { Db } from './database';
import { parseJsonOrUndefined as parseJson } from './sql';

/** App settings as one validated record; unknown or invalid stored keys fall back to their defaults. */
export class SettingsRepository {
  constructor(private readonly db: Db) {}

  get(): Settings {
    const rows = this.db.prepare<[], { key: string; value_json: string }>('SELECT * FROM settings').all();
    const shape = settingsSchema.shape;
    const valid: Record<string, unknown> = {};
    for (const row of rows) {
      const field = shape[row.key as keyof typeof shape];
      const parsed = field?.safeParse(parseJson<unknown>(row.value_json));
      if (parsed?.success) valid[row.key] = parsed.data;
    }
    return settingsSchema.parse(valid);
  }

  update(patch: Partial<Settings>): Settings {
    const next = settingsSchema.parse({ ...this.get(), ...patch });
    const statement = this.db.prepare(
      'INSERT INTO settings (key, value_json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json',
    );
    this.db.transaction(() => {
      for (const key of Object.keys(patch) as (keyof Settings)[])
        statement.run(key, JSON.stringify(next[key]));
    })();
    return next;
  }
}

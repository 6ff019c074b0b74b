package storage

import (
	"context"
	"fmt"
)

// KeyValue is one key and its value, for StoreAll.
type KeyValue struct {
	Key   string
	Value []byte
}

// StoreAll stores every value in one transaction: all of them or, on an
// error, none (storage migrate leaves nothing half-copied).
func (p *Postgres) StoreAll(ctx context.Context, all []KeyValue) error {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return p.opError("store", fmt.Sprintf("%d keys", len(all)), err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	for _, kv := range all {
		v := kv.Value
		if v == nil {
			v = []byte{}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+dataTable+` (key, value, modified) VALUES ($1, $2, now())
			ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, modified = EXCLUDED.modified`, kv.Key, v); err != nil {
			return p.opError("store", kv.Key, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return p.opError("store", fmt.Sprintf("%d keys", len(all)), err)
	}
	p.health.observe(nil)
	return nil
}

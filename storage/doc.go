// Package storage holds the certmagic.Storage that several dashbox instances
// share to form a cluster: PostgreSQL, through pgx. Instances on one storage
// share their certificates, ACME account, challenge tokens and locks, so a
// name is ordered once for the whole cluster, whichever instance the CA's
// validation request reaches.
//
// Without a shared storage dashbox keeps all of this in its state directory
// through certmagic's FileStorage; both satisfy the same contract, checked
// by the table in storage/storagetest.
package storage

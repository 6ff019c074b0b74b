// Package auth decides who may see the dashboards: the users of an htpasswd
// file with bcrypt hashes (the format nginx's auth_basic_user_file and
// Apache's htpasswd -B use, so existing files work), checked in the same
// time whether a user exists or not, and a limit on failed logins per client
// address that slows password guessing down.
//
// Htpasswd keeps a file's users in memory and reloads them when the file
// changes (or on Reload, for SIGHUP); a broken replacement is logged and the
// previous users stay. SetPassword adds or changes one user's password in a
// file, atomically, for `dashbox passwd`. Limiter counts failed logins.
//
// The package knows nothing of HTTP: the server package's Basic
// authentication middleware asks it whether a user name and password are
// right, and whether a client address may try again.
package auth

// Package oidc signs dashbox's users in with the company's identity
// provider (OpenID Connect: Microsoft Entra ID, Okta, Keycloak, Google,
// ADFS, ...): the authorization code flow with PKCE, state and nonce
// (golang.org/x/oauth2 and github.com/coreos/go-oidc, which fetches the
// provider's discovery document and keys and follows key rotation), the
// rules of who may get in (e-mail domains, users, groups), and sessions
// kept in an encrypted, authenticated cookie whose key lives in the state
// directory, refreshed with the refresh token while the provider allows
// it, and ended by /logout together with the provider's session where
// the provider supports RP-initiated logout.
//
// SignIn is what the server package's session middleware asks for
// (server.SignIn); the command wires the two.
package oidc

// Package gateway is the omni-channel payment gateway's login, shared by the
// wallets that are reached through it (EasyWallet v2 and iPass Money).
//
// It owns one thing: sending a JSON request to the gateway with a valid
// bearer token. It logs in with POST {base}/v2/auth/login {authkey, acckey},
// caches the token (its lifetime is not documented), and when a request is
// answered 401 it logs in again once and resends the request built anew
// (PostBuilt: a fresh iv, req_id or send time where the wallet asks for
// one). It also tells its callers whether a failed request can have
// reached the gateway (SendError.NotSent), because that decides whether
// money may have moved.
//
// It also owns the gateway account every such wallet is configured with
// (Account: base_url, auth_key, acc_key, code_ttl, timeout, their secret
// sources and checks), embedded in each wallet's Config so the keys are
// written once.
//
// It must not know any wallet's request or answer format, and it never logs
// or returns the keys or the token.
package gateway

/*
 * tls: makes Kore 4.1's own TLS work with OpenSSL 3 (docs/kore-4.1.md,
 * "TLS with OpenSSL 3"). Kore's workers sign through the keymgr process
 * with an RSA method attached to a copy of the public key, which OpenSSL 3
 * ignores: every handshake fails. Instead the parent reads each domain's
 * private key before the workers fork, and each worker installs it into
 * the SSL_CTX that Kore builds from the certificate the keymgr sends.
 * Cost: the key lives in worker memory, as in most TLS servers.
 */
#ifndef SSEHUB_TLS_H
#define SSEHUB_TLS_H

/* Parent, before the fork: reads the keys. */
int	tls_load_keys(void);
/* Worker: takes over the keymgr's certificate message. */
void	tls_worker_init(void);

#endif

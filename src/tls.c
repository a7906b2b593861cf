/*
 * tls: private keys for the workers' SSL_CTX.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <kore/kore.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <stdio.h>
#include <string.h>

#include "tls.h"

struct tls_key {
	TAILQ_ENTRY(tls_key)	list;
	char			*domain;
	EVP_PKEY		*pkey;
};

static void	tls_certificate(struct kore_msg *, const void *);

static TAILQ_HEAD(, tls_key)	tls_keys = TAILQ_HEAD_INITIALIZER(tls_keys);

int
tls_load_keys(void)
{
	struct kore_server	*srv;
	struct kore_domain	*dom;
	struct tls_key		*k;
	FILE			*fp;

	LIST_FOREACH(srv, &kore_servers, list) {
		if (!srv->tls)
			continue;
		TAILQ_FOREACH(dom, &srv->domains, list) {
			if (dom->certkey == NULL)
				continue;
			if ((fp = fopen(dom->certkey, "r")) == NULL) {
				kore_log(LOG_ERR, "tls: %s: %s",
				    dom->certkey, errno_s);
				return (KORE_RESULT_ERROR);
			}
			k = kore_calloc(1, sizeof(*k));
			k->domain = kore_strdup(dom->domain);
			k->pkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
			(void)fclose(fp);
			if (k->pkey == NULL) {
				kore_log(LOG_ERR, "tls: %s: not a PEM key",
				    dom->certkey);
				return (KORE_RESULT_ERROR);
			}
			TAILQ_INSERT_TAIL(&tls_keys, k, list);
		}
	}

	return (KORE_RESULT_OK);
}

void
tls_worker_init(void)
{
	if (TAILQ_EMPTY(&tls_keys))
		return;
	kore_msg_unregister(KORE_MSG_CERTIFICATE);
	(void)kore_msg_register(KORE_MSG_CERTIFICATE, tls_certificate);
}

/*
 * What Kore's worker_keymgr_response() does for a certificate, plus the
 * real private key in place of the keymgr-backed public one.
 */
static void
tls_certificate(struct kore_msg *msg, const void *data)
{
	const struct kore_x509_msg	*req = data;
	struct kore_domain		*dom;
	struct tls_key			*k;

	if (!kore_worker_keymgr_response_verify(msg, data, &dom))
		return;

	kore_domain_tlsinit(dom, KORE_PEM_CERT_CHAIN, req->data,
	    req->data_len);
	if (dom->ssl_ctx == NULL)
		return;

	TAILQ_FOREACH(k, &tls_keys, list) {
		if (strcmp(k->domain, dom->domain) != 0)
			continue;
		if (!SSL_CTX_use_PrivateKey(dom->ssl_ctx, k->pkey) ||
		    !SSL_CTX_check_private_key(dom->ssl_ctx))
			fatalx("tls: key for %s: %s", dom->domain,
			    ssl_errno_s);
		return;
	}
}

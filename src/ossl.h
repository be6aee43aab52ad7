/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ossl.h — OpenSSL, loaded when TLS is first used, not at start-up.
 *
 * Linked directly, libssl and libcrypto cost every run about 1.5 MiB of
 * resident memory (the loader reads their symbol and relocation tables)
 * even when no session uses TLS.  So the three files that call OpenSSL
 * (tls.c, tls_cert.c, layer_tls.c) include this header instead: it includes
 * the OpenSSL headers for their types, declares a pointer with each
 * function's own type (__typeof__), and turns every call into a call
 * through it.  ossl_load() dlopen()s the libraries and fills the pointers;
 * nothing may call OpenSSL before it has succeeded.  Must come after any
 * other OpenSSL header a file includes (they are all included here). */
#ifndef SOCKTOOL_OSSL_H
#define SOCKTOOL_OSSL_H

#include <stddef.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define X(lib, name)	extern __typeof__(name) *ossl_##name;
#include "ossl_syms.h"
#undef X

/* 0 once libssl and libcrypto are loaded (the first call does the work);
 * -1 with err when they cannot be: TLS is then unavailable, nothing else
 * is affected. */
int	ossl_load(char *err, size_t errlen);

#define ASN1_TIME_to_tm                      (*ossl_ASN1_TIME_to_tm)
#define BIO_clear_flags                      (*ossl_BIO_clear_flags)
#define BIO_free                             (*ossl_BIO_free)
#define BIO_get_data                         (*ossl_BIO_get_data)
#define BIO_get_new_index                    (*ossl_BIO_get_new_index)
#define BIO_meth_new                         (*ossl_BIO_meth_new)
#define BIO_meth_set_create                  (*ossl_BIO_meth_set_create)
#define BIO_meth_set_ctrl                    (*ossl_BIO_meth_set_ctrl)
#define BIO_meth_set_read_ex                 (*ossl_BIO_meth_set_read_ex)
#define BIO_meth_set_write_ex                (*ossl_BIO_meth_set_write_ex)
#define BIO_new                              (*ossl_BIO_new)
#define BIO_read                             (*ossl_BIO_read)
#define BIO_s_mem                            (*ossl_BIO_s_mem)
#define BIO_set_data                         (*ossl_BIO_set_data)
#define BIO_set_flags                        (*ossl_BIO_set_flags)
#define BIO_set_init                         (*ossl_BIO_set_init)
#define BN_free                              (*ossl_BN_free)
#define BN_new                               (*ossl_BN_new)
#define BN_rand                              (*ossl_BN_rand)
#define BN_to_ASN1_INTEGER                   (*ossl_BN_to_ASN1_INTEGER)
#define ERR_clear_error                      (*ossl_ERR_clear_error)
#define ERR_peek_last_error                  (*ossl_ERR_peek_last_error)
#define ERR_reason_error_string              (*ossl_ERR_reason_error_string)
#define EVP_PKEY_Q_keygen                    (*ossl_EVP_PKEY_Q_keygen)
#define EVP_PKEY_free                        (*ossl_EVP_PKEY_free)
#define EVP_sha256                           (*ossl_EVP_sha256)
#define OPENSSL_sk_num                       (*ossl_OPENSSL_sk_num)
#define OPENSSL_sk_value                     (*ossl_OPENSSL_sk_value)
#define SSL_CIPHER_get_name                  (*ossl_SSL_CIPHER_get_name)
#define SSL_CTX_check_private_key            (*ossl_SSL_CTX_check_private_key)
#define SSL_CTX_ctrl                         (*ossl_SSL_CTX_ctrl)
#define SSL_CTX_free                         (*ossl_SSL_CTX_free)
#define SSL_CTX_get0_certificate             (*ossl_SSL_CTX_get0_certificate)
#define SSL_CTX_get_ex_data                  (*ossl_SSL_CTX_get_ex_data)
#define SSL_CTX_load_verify_locations        (*ossl_SSL_CTX_load_verify_locations)
#define SSL_CTX_new                          (*ossl_SSL_CTX_new)
#define SSL_CTX_set1_cert_store              (*ossl_SSL_CTX_set1_cert_store)
#define SSL_CTX_set_alpn_protos              (*ossl_SSL_CTX_set_alpn_protos)
#define SSL_CTX_set_alpn_select_cb           (*ossl_SSL_CTX_set_alpn_select_cb)
#define SSL_CTX_set_client_CA_list           (*ossl_SSL_CTX_set_client_CA_list)
#define SSL_CTX_set_ex_data                  (*ossl_SSL_CTX_set_ex_data)
#define SSL_CTX_set_keylog_callback          (*ossl_SSL_CTX_set_keylog_callback)
#define SSL_CTX_set_options                  (*ossl_SSL_CTX_set_options)
#define SSL_CTX_use_PrivateKey               (*ossl_SSL_CTX_use_PrivateKey)
#define SSL_CTX_use_PrivateKey_file          (*ossl_SSL_CTX_use_PrivateKey_file)
#define SSL_CTX_use_certificate              (*ossl_SSL_CTX_use_certificate)
#define SSL_CTX_use_certificate_chain_file   (*ossl_SSL_CTX_use_certificate_chain_file)
#define SSL_alert_desc_string_long           (*ossl_SSL_alert_desc_string_long)
#define SSL_ctrl                             (*ossl_SSL_ctrl)
#define SSL_do_handshake                     (*ossl_SSL_do_handshake)
#define SSL_free                             (*ossl_SSL_free)
#define SSL_get0_alpn_selected               (*ossl_SSL_get0_alpn_selected)
#define SSL_get0_peer_certificate            (*ossl_SSL_get0_peer_certificate)
#define SSL_get0_verified_chain              (*ossl_SSL_get0_verified_chain)
#define SSL_get_SSL_CTX                      (*ossl_SSL_get_SSL_CTX)
#define SSL_get_current_cipher               (*ossl_SSL_get_current_cipher)
#define SSL_get_error                        (*ossl_SSL_get_error)
#define SSL_get_ex_data                      (*ossl_SSL_get_ex_data)
#define SSL_get_ex_data_X509_STORE_CTX_idx   (*ossl_SSL_get_ex_data_X509_STORE_CTX_idx)
#define SSL_get_peer_cert_chain              (*ossl_SSL_get_peer_cert_chain)
#define SSL_get_rbio                         (*ossl_SSL_get_rbio)
#define SSL_get_servername                   (*ossl_SSL_get_servername)
#define SSL_get_verify_result                (*ossl_SSL_get_verify_result)
#define SSL_get_version                      (*ossl_SSL_get_version)
#define SSL_has_pending                      (*ossl_SSL_has_pending)
#define SSL_load_client_CA_file              (*ossl_SSL_load_client_CA_file)
#define SSL_new                              (*ossl_SSL_new)
#define SSL_read_ex                          (*ossl_SSL_read_ex)
#define SSL_select_next_proto                (*ossl_SSL_select_next_proto)
#define SSL_set1_host                        (*ossl_SSL_set1_host)
#define SSL_set_accept_state                 (*ossl_SSL_set_accept_state)
#define SSL_set_bio                          (*ossl_SSL_set_bio)
#define SSL_set_connect_state                (*ossl_SSL_set_connect_state)
#define SSL_set_ex_data                      (*ossl_SSL_set_ex_data)
#define SSL_set_info_callback                (*ossl_SSL_set_info_callback)
#define SSL_set_read_ahead                   (*ossl_SSL_set_read_ahead)
#define SSL_set_verify                       (*ossl_SSL_set_verify)
#define SSL_shutdown                         (*ossl_SSL_shutdown)
#define SSL_write_ex                         (*ossl_SSL_write_ex)
#define TLS_client_method                    (*ossl_TLS_client_method)
#define TLS_server_method                    (*ossl_TLS_server_method)
#define X509V3_EXT_conf_nid                  (*ossl_X509V3_EXT_conf_nid)
#define X509V3_set_ctx                       (*ossl_X509V3_set_ctx)
#define X509_EXTENSION_free                  (*ossl_X509_EXTENSION_free)
#define X509_NAME_add_entry_by_txt           (*ossl_X509_NAME_add_entry_by_txt)
#define X509_NAME_print_ex                   (*ossl_X509_NAME_print_ex)
#define X509_STORE_CTX_get0_cert             (*ossl_X509_STORE_CTX_get0_cert)
#define X509_STORE_CTX_get_error             (*ossl_X509_STORE_CTX_get_error)
#define X509_STORE_CTX_get_ex_data           (*ossl_X509_STORE_CTX_get_ex_data)
#define X509_STORE_free                      (*ossl_X509_STORE_free)
#define X509_STORE_new                       (*ossl_X509_STORE_new)
#define X509_STORE_set_default_paths         (*ossl_X509_STORE_set_default_paths)
#define X509_add_ext                         (*ossl_X509_add_ext)
#define X509_digest                          (*ossl_X509_digest)
#define X509_free                            (*ossl_X509_free)
#define X509_get0_notAfter                   (*ossl_X509_get0_notAfter)
#define X509_get0_notBefore                  (*ossl_X509_get0_notBefore)
#define X509_get_issuer_name                 (*ossl_X509_get_issuer_name)
#define X509_get_serialNumber                (*ossl_X509_get_serialNumber)
#define X509_get_subject_name                (*ossl_X509_get_subject_name)
#define X509_getm_notAfter                   (*ossl_X509_getm_notAfter)
#define X509_getm_notBefore                  (*ossl_X509_getm_notBefore)
#define X509_gmtime_adj                      (*ossl_X509_gmtime_adj)
#define X509_new                             (*ossl_X509_new)
#define X509_set_issuer_name                 (*ossl_X509_set_issuer_name)
#define X509_set_pubkey                      (*ossl_X509_set_pubkey)
#define X509_set_version                     (*ossl_X509_set_version)
#define X509_sign                            (*ossl_X509_sign)
#define X509_up_ref                          (*ossl_X509_up_ref)
#define X509_verify_cert_error_string        (*ossl_X509_verify_cert_error_string)

#endif

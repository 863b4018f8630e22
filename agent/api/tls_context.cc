// Poco NetSSL contexts from PEM files, with the checks OpenSSL leaves to the
// first handshake done up front, so a bad file stops the process at start-up
// with a message naming it.
#include "agent/api/tls_context.h"

#include <Poco/Exception.h>
#include <Poco/Net/NetSSL.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>

namespace shadekv::tls {
namespace {

// Mozilla's "intermediate" TLS 1.2 list: forward secrecy and AEAD only.
// TLS 1.3 suites are OpenSSL's defaults (all AEAD).
constexpr char kCipherList[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

// OpenSSL's most recent error, as text, and the queue emptied.
std::string OpenSslError() {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(last, text, sizeof(text));
  return text;
}

Status CheckReadable(const char* flag, const std::string& path, const char* what) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::InvalidArgument(std::string(flag) + " '" + path + "': no such file; give the " +
                                   what + " as a PEM file");
  }
  std::ifstream in(path);
  if (!in) {
    return Status::InvalidArgument(std::string(flag) + " '" + path +
                                   "': cannot be read (check its permissions)");
  }
  return Status::Ok();
}

// An encrypted key would make OpenSSL prompt on the terminal; refuse instead.
int NoPassphrase(char*, int, int, void*) { return 0; }

// Loads the certificate chain and its key into `ctx`, checking that they
// belong together.
Status UseCertificateAndKey(Poco::Net::Context& ctx, const std::string& cert,
                            const std::string& key, const TlsFlagNames& names) {
  SSL_CTX* ssl = ctx.sslContext();
  SSL_CTX_set_default_passwd_cb(ssl, NoPassphrase);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ssl, cert.c_str()) != 1) {
    return Status::InvalidArgument(std::string(names.cert) + " '" + cert +
                                   "': not a PEM certificate (" + OpenSslError() + ")");
  }
  if (SSL_CTX_use_PrivateKey_file(ssl, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    const unsigned long reason = ERR_GET_REASON(ERR_peek_last_error());
    const std::string detail = OpenSslError();
    if (reason == X509_R_KEY_VALUES_MISMATCH) {
      return Status::InvalidArgument(std::string(names.key) + " '" + key + "' does not match " +
                                     names.cert + " '" + cert +
                                     "': give the private key the certificate was issued for");
    }
    return Status::InvalidArgument(std::string(names.key) + " '" + key +
                                   "': not an unencrypted PEM private key (" + detail + ")");
  }
  if (SSL_CTX_check_private_key(ssl) != 1) {
    return Status::InvalidArgument(std::string(names.key) + " '" + key + "' does not match " +
                                   names.cert + " '" + cert + "': " + OpenSslError());
  }
  return Status::Ok();
}

Result<Poco::Net::Context::Ptr> NewContext(Poco::Net::Context::Usage usage,
                                           const Poco::Net::Context::Params& params,
                                           const char* ca_flag) {
  Poco::Net::initializeSSL();  // reference-counted; never undone, contexts live to exit
  try {
    Poco::Net::Context::Ptr ctx = new Poco::Net::Context(usage, params);
    ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    return ctx;
  } catch (const Poco::Exception& e) {
    // With the file checked readable, what fails here is its contents.
    return Status::InvalidArgument(std::string(ca_flag) + " '" + params.caLocation +
                                   "': not usable as PEM CA certificates (" + e.displayText() +
                                   ")");
  }
}

}  // namespace

Result<Poco::Net::Context::Ptr> NewServerContext(const ServerTlsFiles& files) {
  const TlsFlagNames& names = kServerFlagNames;
  if (files.cert_file.empty() || files.key_file.empty()) {
    return Status::InvalidArgument(
        "TLS needs both --cert-file and --key-file (the server's certificate and its key)");
  }
  if (files.client_cert_auth && files.trusted_ca_file.empty()) {
    return Status::InvalidArgument(
        "--client-cert-auth needs --trusted-ca-file: the CA that signs client certificates");
  }
  SHADEKV_RETURN_IF_ERROR(CheckReadable(names.cert, files.cert_file, "server certificate"));
  SHADEKV_RETURN_IF_ERROR(CheckReadable(names.key, files.key_file, "certificate's private key"));
  if (!files.trusted_ca_file.empty()) {
    SHADEKV_RETURN_IF_ERROR(CheckReadable(names.ca, files.trusted_ca_file,
                                          "CA certificate(s) for client certificates"));
  }
  Poco::Net::Context::Params params;
  params.cipherList = kCipherList;
  params.loadDefaultCAs = false;
  if (files.RequiresClientCert()) {
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;  // no certificate: no handshake
    params.caLocation = files.trusted_ca_file;
  } else {
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
  }
  SHADEKV_ASSIGN_OR_RETURN(Poco::Net::Context::Ptr ctx,
                           NewContext(Poco::Net::Context::TLS_SERVER_USE, params, names.ca));
  // Poco's "extended" check matches the peer certificate against a host
  // name; a client certificate names a client, not the address it dials
  // from, so it would refuse every client. The chain check stays.
  ctx->enableExtendedCertificateVerification(false);
  SHADEKV_RETURN_IF_ERROR(UseCertificateAndKey(*ctx, files.cert_file, files.key_file, names));
  // OpenSSL refuses to resume a session (TLS 1.3 tickets included) on a
  // server that verifies peers unless the context is named.
  static const unsigned char kSessionContext[] = "shadekv";
  SSL_CTX_set_session_id_context(ctx->sslContext(), kSessionContext, sizeof(kSessionContext) - 1);
  if (files.RequiresClientCert()) {
    // Tells clients which CAs we accept, so they pick the right certificate.
    STACK_OF(X509_NAME)* accepted = SSL_load_client_CA_file(files.trusted_ca_file.c_str());
    if (accepted != nullptr) SSL_CTX_set_client_CA_list(ctx->sslContext(), accepted);
    ERR_clear_error();
  }
  return ctx;
}

Result<Poco::Net::Context::Ptr> NewClientContext(const ClientTlsFiles& files) {
  const TlsFlagNames& names = files.names;
  if (files.cert_file.empty() != files.key_file.empty()) {
    return Status::InvalidArgument(std::string(names.cert) + " and " + names.key +
                                   " go together: give both (a client certificate and its key) "
                                   "or neither");
  }
  if (!files.ca_file.empty()) {
    SHADEKV_RETURN_IF_ERROR(CheckReadable(names.ca, files.ca_file, "CA certificate(s)"));
  }
  if (!files.cert_file.empty()) {
    SHADEKV_RETURN_IF_ERROR(CheckReadable(names.cert, files.cert_file, "client certificate"));
    SHADEKV_RETURN_IF_ERROR(CheckReadable(names.key, files.key_file, "client certificate's key"));
  }
  Poco::Net::Context::Params params;
  params.cipherList = kCipherList;
  if (files.insecure_skip_verify) {
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
  } else {
    params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
    params.caLocation = files.ca_file;
    params.loadDefaultCAs = files.ca_file.empty();
  }
  SHADEKV_ASSIGN_OR_RETURN(Poco::Net::Context::Ptr ctx,
                           NewContext(Poco::Net::Context::TLS_CLIENT_USE, params, names.ca));
  if (files.insecure_skip_verify) ctx->enableExtendedCertificateVerification(false);
  if (!files.cert_file.empty()) {
    SHADEKV_RETURN_IF_ERROR(UseCertificateAndKey(*ctx, files.cert_file, files.key_file, names));
  }
  return ctx;
}

}  // namespace shadekv::tls

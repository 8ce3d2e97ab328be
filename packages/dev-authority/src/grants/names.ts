/** Resource Owner Password Credentials (RFC 6749 4.3); dev and test use only. */
export const PASSWORD = 'password';
/** RFC 7523 grant type used for on-behalf-of with `requested_token_use=on_behalf_of`. */
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

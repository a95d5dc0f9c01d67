import { createContext, useContext } from "react";

// The Content-Security-Policy nonce of the response being rendered. Only the
// server knows it; in the browser it is "" (browsers hide nonces from
// scripts, and React leaves the attribute alone when it hydrates).
const NonceContext = createContext("");

export const NonceProvider = NonceContext.Provider;
export const useNonce = () => useContext(NonceContext);

// Firebase Auth (modular SDK: app and auth only) for phone OTP and Google sign-in. The app sends the Firebase
// ID token to POST /auth/login and uses only the API's session token after that. Locally the config names
// the Auth emulator: reCAPTCHA is then a stand-in (no request to Google) and codes are read from the
// emulator, not sent by SMS.
import { initializeApp } from "firebase/app";
import {
  connectAuthEmulator, getAuth, GoogleAuthProvider, RecaptchaVerifier, signInWithPhoneNumber, signInWithPopup,
  signOut,
} from "firebase/auth";

let auth = null;
let verifier = null;

export function startFirebase(config) {
  if (auth) return auth;
  const app = initializeApp(config.firebase);
  auth = getAuth(app);
  if (config.authEmulatorUrl) connectAuthEmulator(auth, config.authEmulatorUrl, { disableWarnings: true });
  return auth;
}

/** Sends the code to `phone` (E.164); resolves to a function taking the code and resolving to an ID token. */
export async function sendPhoneCode(phone, buttonId) {
  // A verifier is bound to its button, which is a new element each time the sign-in screen is shown.
  if (verifier) verifier.clear();
  verifier = new RecaptchaVerifier(auth, buttonId, { size: "invisible" });
  const confirmation = await signInWithPhoneNumber(auth, phone, verifier);
  return async (code) => {
    const credential = await confirmation.confirm(code);
    return credential.user.getIdToken();
  };
}

export async function googleIdToken() {
  const credential = await signInWithPopup(auth, new GoogleAuthProvider());
  return credential.user.getIdToken();
}

/** Firebase's own session is not needed once the API's session exists. */
export async function forgetFirebaseUser() {
  if (auth) await signOut(auth);
}

/** Words for a Firebase error, for a person. */
export function describeFirebaseError(error) {
  const code = error?.code || "";
  const words = {
    "auth/invalid-verification-code": "That code is not right. Check the SMS and try again.",
    "auth/code-expired": "That code has expired. Ask for a new one.",
    "auth/invalid-phone-number": "That phone number does not look right. Use 10 digits, e.g. 98765 43210.",
    "auth/too-many-requests": "Too many attempts. Please wait a moment and try again.",
    "auth/network-request-failed": "The sign-in service could not be reached. Check your connection.",
    "auth/popup-closed-by-user": "The Google sign-in window was closed before finishing.",
    "auth/missing-verification-code": "Enter the 6-digit code.",
  };
  return words[code] || "Sign-in did not work. Please try again.";
}

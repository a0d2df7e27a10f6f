// Sign in with phone OTP (Firebase), or Google; then POST /auth/login turns the Firebase ID token into the
// API's session token. Locally no SMS is sent: the hint says where the Auth emulator shows the code.
import { useState } from "preact/hooks";
import { useApp } from "../app.js";
import { Problem } from "../components/feedback.jsx";
import { describeFirebaseError, googleIdToken, sendPhoneCode } from "../firebase.js";
import { useAction } from "../hooks.js";

const SEND_BUTTON = "send-code";

export function toE164(input) {
  const digits = input.replace(/[^\d+]/g, "");
  if (digits.startsWith("+")) return digits;
  return "+91" + digits.replace(/^0/, "");
}

/** Firebase problems in Firebase's words for people; the API's problems (an ApiError) as their detail. */
function asPersonError(error) {
  return error?.code?.startsWith?.("auth/") ? new Error(describeFirebaseError(error)) : error;
}

export function SignIn({ notice }) {
  const { config, api, startSession } = useApp();
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [confirm, setConfirm] = useState(null);
  const login = (idToken) =>
    api.post("/auth/login", { id_token: idToken, device: { name: "Web browser", platform: "web" } });

  const send = useAction(async (event) => {
    event.preventDefault();
    try {
      setConfirm(() => null);
      const next = await sendPhoneCode(toE164(phone), SEND_BUTTON);
      setConfirm(() => next);
    } catch (error) {
      throw asPersonError(error);
    }
  });
  const verify = useAction(async (event) => {
    event.preventDefault();
    let idToken;
    try {
      idToken = await confirm(code.trim());
    } catch (error) {
      throw asPersonError(error);
    }
    startSession(await login(idToken));
  });
  const google = useAction(async () => {
    let idToken;
    try {
      idToken = await googleIdToken();
    } catch (error) {
      throw asPersonError(error);
    }
    startSession(await login(idToken));
  });

  return (
    <main class="signin">
      <p class="brand big">
        blinkit<span>clone</span>
      </p>
      <h1>Groceries in minutes</h1>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {!confirm ? (
        <form onSubmit={send.run} class="card stack">
          <label for="phone">Mobile number</label>
          <div class="phone">
            <span aria-hidden="true">+91</span>
            <input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="tel" required
              placeholder="98765 43210" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
          </div>
          <button id={SEND_BUTTON} type="submit" class="primary" disabled={send.busy}>
            {send.busy ? "Sending code…" : "Send code"}
          </button>
          <Problem error={send.error} />
        </form>
      ) : (
        <form onSubmit={verify.run} class="card stack">
          <p>
            We sent a 6-digit code to <strong>{toE164(phone)}</strong>.
          </p>
          <label for="otp">Code</label>
          <input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code" required maxlength={6}
            pattern="\d{6}" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          <button type="submit" class="primary" disabled={verify.busy}>
            {verify.busy ? "Signing in…" : "Verify and continue"}
          </button>
          <button type="button" class="link" onClick={() => { setConfirm(() => null); setCode(""); verify.clearError(); }}>
            Use another number
          </button>
          <Problem error={verify.error} />
          {config.authEmulatorUrl && (
            <p class="hint">
              Local stack: no SMS is sent. The code is in the Auth emulator at{" "}
              <a href={`${config.authEmulatorUrl}/emulator/v1/projects/${config.firebase.projectId}/verificationCodes`}
                target="_blank" rel="noopener">
                verificationCodes
              </a>{" "}
              (the last entry for your number).
            </p>
          )}
        </form>
      )}
      <div class="or" aria-hidden="true">or</div>
      <button type="button" class="secondary" onClick={google.run} disabled={google.busy}>
        {google.busy ? "Opening Google…" : "Continue with Google"}
      </button>
      <Problem error={google.error} />
    </main>
  );
}

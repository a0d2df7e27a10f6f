// What every screen shares, through one context: the API client, the session, the chosen place (location,
// store and ETA) and the cart's item count for the header.
import { createContext } from "preact";
import { useContext } from "preact/hooks";

export const AppContext = createContext(null);

export function useApp() {
  return useContext(AppContext);
}

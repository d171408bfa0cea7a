import { render } from "preact";
import { StatusPage } from "./pages/status-page.tsx";
import "./styles.css";

/** The shell: header and navigation. Tasks and Models pages will join Status here. */
function App() {
  return (
    <>
      <header class="topbar">
        <span class="brand">Steward</span>
        <nav aria-label="Main">
          <a href="/" class="nav-link active" aria-current="page" data-testid="nav-status">
            Status
          </a>
        </nav>
      </header>
      <main>
        <StatusPage />
      </main>
    </>
  );
}

const root = document.getElementById("app");
if (root === null) throw new Error("index.html has no #app element");
render(<App />, root);

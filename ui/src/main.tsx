// Entry point: applies the stored colour theme, then mounts the app into index.html's #root.

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./App";
import { applyTheme, readTheme } from "./shell/useTheme";
import "./styles.css";
import "./views/views.css";
import "./shell/shell.css";
import "./views/tables.css";

applyTheme(readTheme());

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

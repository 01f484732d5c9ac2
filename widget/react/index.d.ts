/** Where the launcher sits. */
export type WidgetPosition = "bottom-right" | "bottom-left" | "top-right" | "top-left";

/** The options of `renderWebWidget`. */
export interface WebWidgetOptions {
  /** The workspace's id. */
  tenantId: string;
  /** The chat server's URL, e.g. `https://chat.example.com`. */
  apiUrl: string;
  /** A widget token of the workspace (public: it sits in the page). */
  token: string;
  /** Any CSS colour; default: the workspace's setting. */
  primaryColor?: string;
  /** Shown in the header and the launcher's name; default: the workspace's. */
  companyName?: string;
  /** Default: the workspace's setting. */
  position?: WidgetPosition;
  /** Default: the workspace's setting. */
  theme?: "light" | "dark" | "auto";
  /** The first message the visitor sees; default: the workspace's. */
  greeting?: string;
  /** Hex HMAC-SHA256(identity secret, lowercase email), computed by your backend. */
  userHash?: string;
  /**
   * The widget's language: "en" or "es" (a region such as "es-MX" is fine). Default: the first
   * the widget speaks of the browser's languages, else English. A change renames the launcher;
   * the open panel keeps its language until the widget is rendered again.
   */
  locale?: string;
  /** Open the panel at once. */
  open?: boolean;
}

/** What `renderWebWidget` returns. */
export interface WebWidgetHandle {
  open(): void;
  close(): void;
  toggle(): void;
  /** Applies changed options in place; tenantId, apiUrl and token cannot change. */
  update(options: Partial<Omit<WebWidgetOptions, "tenantId" | "apiUrl" | "token">>): void;
  /** Removes the launcher, the panel, their listeners and the event stream. */
  destroy(): void;
  /** Resolves once the chat panel has loaded. */
  ready: Promise<WebWidgetHandle>;
}

export interface WebWidgetProps extends WebWidgetOptions {
  /** The loader's URL; default `{apiUrl}/widget/web-widget.js`. */
  loaderUrl?: string;
  /** Called with the widget once it is rendered. */
  onReady?: (widget: WebWidgetHandle) => void;
  /** Called when the loader cannot be fetched (default: logged to the console). */
  onError?: (error: unknown) => void;
}

/** Renders the chat widget while mounted; renders no React element itself. */
export declare function WebWidget(props: WebWidgetProps): null;

/** `{apiUrl}/widget/web-widget.js`. */
export declare function loaderUrlFor(apiUrl: string): string;

-- The widget's branding, edited in the dashboard (`/settings/widget`) and read by the widget
-- from `GET /config`. An empty greeting means the default assistant's greeting; image URLs are
-- optional absolute http(s) URLs.
ALTER TABLE tenants ADD COLUMN position TEXT NOT NULL DEFAULT 'bottom-right';
ALTER TABLE tenants ADD COLUMN theme TEXT NOT NULL DEFAULT 'light';
ALTER TABLE tenants ADD COLUMN greeting TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN avatar_url TEXT;
ALTER TABLE tenants ADD COLUMN header_logo_url TEXT;
ALTER TABLE tenants ADD COLUMN wordmark_url TEXT;

-- When a widget last used a token, written at most once a minute per token.
ALTER TABLE widget_tokens ADD COLUMN last_used_at BIGINT;
CREATE INDEX widget_tokens_tenant ON widget_tokens (tenant_id, created_at);

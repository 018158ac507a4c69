"""Staff pages of a public comment: its 地域説明会 and the 受付台帳."""

"""DejaVu Sans, shipped so every rendered form embeds a font carrying all of French (licence beside)."""

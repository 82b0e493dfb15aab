"""Report layer: assemble tables and figures into one self-contained HTML file."""

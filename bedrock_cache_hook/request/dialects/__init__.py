"""Wire formats: each dialect reads a request into the abstract prefix and writes plans back."""

"""Host adapters: OA hosts built on other programs, as working examples. The product never imports them."""

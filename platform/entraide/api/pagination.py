from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Cursor pagination: constant cost per page and no ``COUNT(*)`` over large tables.

    Views may set ``ordering`` to any unique, indexed ordering.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

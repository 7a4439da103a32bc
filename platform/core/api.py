from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from core.models import Category, Sector
from core.rest.serializers import ModelSerializer


class SectorSerializer(ModelSerializer):
    class Meta:
        model = Sector
        fields = ["id", "code", "name", "centroid_latitude", "centroid_longitude"]


class SectorViewSet(viewsets.ReadOnlyModelViewSet):
    """The city's districts. Public: they locate nothing but a district."""

    queryset = Sector.objects.all()
    serializer_class = SectorSerializer
    permission_classes = [AllowAny]
    pagination_class = None


class CategorySerializer(ModelSerializer):
    name = serializers.CharField(
        source="label", read_only=True, help_text="The name in the request's language."
    )

    class Meta:
        model = Category
        fields = ["id", "kind", "code", "parent", "name", "asks_size", "asks_best_before"]


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The tree of goods and skills that offers and needs choose from. Public."""

    queryset = Category.objects.active()
    serializer_class = CategorySerializer
    permission_classes = [AllowAny]
    pagination_class = None
    filter_backends = [filters.DjangoFilterBackend]
    filterset_fields = ["kind"]

from django.contrib import admin

from unidesk.customers.models import Customer, Identity


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "tier", "language", "lifetime_value", "merged_into")
    list_filter = ("tier", "language")
    search_fields = ("name", "identities__value")
    inlines = [IdentityInline]
    raw_id_fields = ("merged_into",)

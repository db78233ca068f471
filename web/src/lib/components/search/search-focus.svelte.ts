// A request to focus the search field (the keyboard shortcut), kept across the navigation to the
// chats list that may come first: the field takes it when it is there, once.
class SearchFocus {
  pending = $state(false);

  request(): void {
    this.pending = true;
  }
}

export const searchFocus = new SearchFocus();
